package fabric

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// placeholderRe matches {{key}} with optional spaces inside the braces,
// and fabricpress's {{key|default}} form.
var placeholderRe = regexp.MustCompile(`\{\{\s*([A-Za-z0-9_.-]+)\s*(?:\|([^{}]*))?\}\}`)

// MissingPolicy says what a placeholder without a value (and without a
// default) becomes.
type MissingPolicy int

const (
	// MissingError fails with a *MissingFieldError naming the fields.
	MissingError MissingPolicy = iota
	// MissingKeep leaves the placeholder text as it is.
	MissingKeep
	// MissingEmpty removes the placeholder.
	MissingEmpty
)

// MissingFieldError lists placeholders that had no value in the record.
type MissingFieldError struct {
	Missing []string // "objects[2]: {{first_name}}"
}

func (e *MissingFieldError) Error() string {
	return "variable data: no value for " + strings.Join(e.Missing, "; ")
}

// Placeholders lists the distinct {{keys}} used in the canvas's text, in
// order of first use. Keys with a default ({{key|default}}) are included.
func Placeholders(c *Canvas) []string {
	seen := map[string]bool{}
	var keys []string
	WalkText(c, func(t *Text) {
		for _, m := range placeholderRe.FindAllStringSubmatch(t.Text, -1) {
			if !seen[m[1]] {
				seen[m[1]] = true
				keys = append(keys, m[1])
			}
		}
	})
	return keys
}

// WalkText calls fn for every text object of c: top level, in groups,
// clip paths, and the canvas background and overlay objects.
func WalkText(c *Canvas, fn func(*Text)) {
	for _, o := range c.Objects {
		walkObjectText(o, fn)
	}
	walkObjectText(c.BackgroundImage, fn)
	walkObjectText(c.OverlayImage, fn)
	walkObjectText(c.ClipPath, fn)
}

// walkObjectText calls fn for o if it is text, for the text inside it if
// it is a group, and for the text of its clip path.
func walkObjectText(o Object, fn func(*Text)) {
	if o == nil {
		return
	}
	switch s := o.(type) {
	case *Text:
		fn(s)
	case *Group:
		for _, ch := range s.Objects {
			walkObjectText(ch, fn)
		}
	}
	walkObjectText(o.Props().ClipPath, fn)
}

// SubstituteText returns a copy of c whose text objects have every {{key}}
// replaced by data[key], keeping per-character styles aligned: inserted
// characters take the style of the placeholder's first character and later
// styles shift (the rule of tools/fabric-ref/lib/textobj.mjs). c is not
// modified; unchanged objects are shared. A key absent from data, or empty
// when the placeholder has a default, takes the default
// ({{first_name|Friend}}); without one, missing decides.
func SubstituteText(c *Canvas, data map[string]string, missing MissingPolicy) (*Canvas, error) {
	var absent []string
	var rewrite func(o Object) Object
	rewrite = func(o Object) Object {
		if o == nil {
			return nil
		}
		var out Object = o
		switch s := o.(type) {
		case *Text:
			if placeholderRe.MatchString(s.Text) {
				cp := *s
				cp.Text, cp.Styles = substitute(s, data, missing, &absent)
				out = &cp
			}
		case *Group:
			var kids []Object
			changed := false
			for i, ch := range s.Objects {
				n := rewrite(ch)
				if n != ch && !changed {
					kids = append([]Object(nil), s.Objects[:i]...)
					changed = true
				}
				if changed {
					kids = append(kids, n)
				}
			}
			if changed {
				cp := *s
				cp.Objects = kids
				out = &cp
			}
		}
		if cl := o.Props().ClipPath; cl != nil {
			if n := rewrite(cl); n != cl {
				out = withClip(out, n)
			}
		}
		return out
	}
	cp := *c
	cp.Objects = make([]Object, len(c.Objects))
	for i, o := range c.Objects {
		cp.Objects[i] = rewrite(o)
	}
	cp.BackgroundImage = rewrite(c.BackgroundImage)
	cp.OverlayImage = rewrite(c.OverlayImage)
	cp.ClipPath = rewrite(c.ClipPath)
	if len(absent) > 0 {
		return nil, &MissingFieldError{Missing: absent}
	}
	return &cp, nil
}

// withClip returns a shallow copy of o with its clip path replaced.
func withClip(o Object, clip Object) Object {
	switch s := o.(type) {
	case *Rect:
		cp := *s
		cp.ClipPath = clip
		return &cp
	case *Circle:
		cp := *s
		cp.ClipPath = clip
		return &cp
	case *Ellipse:
		cp := *s
		cp.ClipPath = clip
		return &cp
	case *Triangle:
		cp := *s
		cp.ClipPath = clip
		return &cp
	case *Line:
		cp := *s
		cp.ClipPath = clip
		return &cp
	case *Poly:
		cp := *s
		cp.ClipPath = clip
		return &cp
	case *Path:
		cp := *s
		cp.ClipPath = clip
		return &cp
	case *Text:
		cp := *s
		cp.ClipPath = clip
		return &cp
	case *Image:
		cp := *s
		cp.ClipPath = clip
		return &cp
	case *Group:
		cp := *s
		cp.ClipPath = clip
		return &cp
	case *Barcode:
		cp := *s
		cp.ClipPath = clip
		return &cp
	}
	panic(fmt.Sprintf("fabric: withClip: unexpected %T", o))
}

// unit is one grapheme of a text with its style.
type unit struct {
	g       string
	newline bool
	style   *CharStyle
}

func substitute(t *Text, data map[string]string, policy MissingPolicy, missing *[]string) (string, []StyleRun) {
	units, offsets := textUnits(t.Text, t.Version, t.Styles)
	hasStyles := len(t.Styles) > 0
	var out []unit
	ui := 0
	for _, m := range placeholderRe.FindAllStringSubmatchIndex(t.Text, -1) {
		start, end := m[0], m[1]
		key := t.Text[m[2]:m[3]]
		for ui < len(units) && offsets[ui] < start {
			out = append(out, units[ui])
			ui++
		}
		var first *CharStyle
		if ui < len(units) {
			first = units[ui].style
		}
		for ui < len(units) && offsets[ui] < end {
			ui++
		}
		val, ok := data[key]
		if m[4] >= 0 && (!ok || val == "") {
			val, ok = strings.TrimSpace(t.Text[m[4]:m[5]]), true
		}
		if !ok {
			switch policy {
			case MissingError:
				*missing = append(*missing, t.JSONPath+": {{"+key+"}}")
				val = t.Text[start:end]
			case MissingKeep:
				val = t.Text[start:end]
			case MissingEmpty:
				val = ""
			}
		}
		vu, _ := textUnits(val, t.Version, nil)
		for _, u := range vu {
			if !u.newline {
				u.style = first
			}
			out = append(out, u)
		}
	}
	out = append(out, units[ui:]...)
	var sb strings.Builder
	for _, u := range out {
		sb.WriteString(u.g)
	}
	if !hasStyles {
		return sb.String(), nil
	}
	var runs []StyleRun
	ci := 0
	var prev *CharStyle
	for _, u := range out {
		if u.newline {
			prev = nil
			continue
		}
		if u.style != nil {
			if prev == u.style && len(runs) > 0 && runs[len(runs)-1].End == ci {
				runs[len(runs)-1].End++
			} else {
				runs = append(runs, StyleRun{Start: ci, End: ci + 1, Style: *u.style})
			}
		}
		prev = u.style
		ci++
	}
	return sb.String(), runs
}

// textUnits splits text into graphemes and newlines, with each unit's byte
// offset and its style from runs.
func textUnits(text, version string, runs []StyleRun) ([]unit, []int) {
	var units []unit
	var offsets []int
	// Sorted run starts make per-character lookup linear overall.
	rs := append([]StyleRun(nil), runs...)
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].Start < rs[j].Start })
	styleAt := func(ci int) *CharStyle {
		var found *CharStyle
		for k := range rs {
			if rs[k].Start > ci {
				break
			}
			if ci < rs[k].End {
				found = &rs[k].Style
			}
		}
		return found
	}
	off := 0
	ci := 0
	for li, line := range strings.Split(text, "\n") {
		if li > 0 {
			units = append(units, unit{g: "\n", newline: true})
			offsets = append(offsets, off-1)
		}
		body := strings.TrimSuffix(line, "\r")
		o := off
		for _, g := range Graphemes(body, version) {
			units = append(units, unit{g: g, style: styleAt(ci)})
			offsets = append(offsets, o)
			o += len(g)
			ci++
		}
		if len(body) < len(line) {
			// keep the \r of a \r\n pair with the newline
			units = append(units, unit{g: "\r", newline: true})
			offsets = append(offsets, o)
		}
		off += len(line) + 1
	}
	return units, offsets
}
