package fabric

import (
	"fmt"
	"math"
	"strconv"
)

// PathCommand is one path segment: an SVG path letter and its numbers.
//
// After SimplifyPath, Op is one of 'M', 'L', 'C', 'Q', 'Z' and all
// coordinates are absolute. Before it, Op may be any SVG path letter
// (upper case absolute, lower case relative).
type PathCommand struct {
	Op   byte
	Args []float64
}

// pathArity returns how many numbers op takes, and whether op is an SVG
// path command letter.
func pathArity(op byte) (int, bool) {
	switch op {
	case 'M', 'm', 'L', 'l', 'T', 't':
		return 2, true
	case 'H', 'h', 'V', 'v':
		return 1, true
	case 'C', 'c':
		return 6, true
	case 'S', 's', 'Q', 'q':
		return 4, true
	case 'A', 'a':
		return 7, true
	case 'Z', 'z':
		return 0, true
	}
	return 0, false
}

// PathSyntaxError reports malformed SVG path data: what was wrong and the
// byte offset in the input where it was found.
type PathSyntaxError struct {
	Offset int
	Msg    string
}

func (e *PathSyntaxError) Error() string {
	return fmt.Sprintf("path data: %s at byte offset %d", e.Msg, e.Offset)
}

// ParsePathString parses SVG path data (the "d" attribute grammar of
// SVG 1.1/2) into commands, each with exactly the number of arguments its
// letter takes. Repeated argument groups become repeated commands; extra
// pairs after M or m become L or l, as SVG specifies (and as Fabric's
// parsePath does). Numbers may run together when unambiguous ("-1-2",
// ".5.5", "1e-3"), and arc flags may be written without separators
// ("a1 1 0 00 1 1").
//
// The parser is strict where Fabric's regex-based parsePath is lenient:
// stray characters, a missing or incomplete argument group, a comma where
// a number is expected, numbers after Z and a number too large for a
// float64 are errors (*PathSyntaxError). Like Fabric (and unlike a
// browser's SVG parser) it does not insist that the data start with a
// moveto. An empty or all-whitespace string gives no commands and no
// error. Time and memory are linear in len(d).
func ParsePathString(d string) ([]PathCommand, error) {
	p := pathParser{s: d}
	return p.parse()
}

type pathParser struct {
	s    string
	i    int
	args []float64
}

func isPathSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}

func (p *pathParser) skipSpace() {
	for p.i < len(p.s) && isPathSpace(p.s[p.i]) {
		p.i++
	}
}

// skipCommaSpace skips wsp* ","? wsp* and reports whether a comma was
// skipped.
func (p *pathParser) skipCommaSpace() bool {
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == ',' {
		p.i++
		p.skipSpace()
		return true
	}
	return false
}

func (p *pathParser) errorf(off int, format string, args ...any) error {
	return &PathSyntaxError{Offset: off, Msg: fmt.Sprintf(format, args...)}
}

// startsNumber reports whether a number can start at offset i.
func (p *pathParser) startsNumber(i int) bool {
	if i >= len(p.s) {
		return false
	}
	c := p.s[i]
	if c == '+' || c == '-' {
		i++
		if i >= len(p.s) {
			return false
		}
		c = p.s[i]
	}
	if c == '.' {
		return i+1 < len(p.s) && isASCIIDigit(p.s[i+1])
	}
	return isASCIIDigit(c)
}

func isASCIIDigit(c byte) bool { return c >= '0' && c <= '9' }

func describeByte(s string, i int) string {
	if i >= len(s) {
		return "end of data"
	}
	c := s[i]
	if c >= 0x20 && c < 0x7f {
		return strconv.QuoteRune(rune(c))
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

// argDesc says which argument is being scanned, for error messages.
type argDesc struct {
	op   byte
	k, n int // argument index and count
	at   int // offset of the command letter
}

func (d argDesc) String() string {
	if d.op == 'A' || d.op == 'a' {
		return fmt.Sprintf("%s for %q at byte offset %d", arcArgNames[d.k], d.op, d.at)
	}
	return fmt.Sprintf("number %d of %d for %q at byte offset %d", d.k+1, d.n, d.op, d.at)
}

// number scans an SVG number at p.i.
func (p *pathParser) number(what argDesc) (float64, error) {
	start := p.i
	s := p.s
	// An exponent needs at least one digit; otherwise the 'e' is not part
	// of the number (and is then reported as a stray character).
	i, ok := scanDecimal(s, start+jsSignLen(s[start:]))
	if !ok {
		return 0, p.errorf(start, "expected %s, found %s", what, describeByte(s, start))
	}
	f, err := strconv.ParseFloat(s[start:i], 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, p.errorf(start, "number %q out of range", s[start:i])
	}
	p.i = i
	return f, nil
}

// flag scans an arc flag: a single '0' or '1'.
func (p *pathParser) flag(what argDesc) (float64, error) {
	if p.i < len(p.s) {
		switch p.s[p.i] {
		case '0':
			p.i++
			return 0, nil
		case '1':
			p.i++
			return 1, nil
		}
	}
	return 0, p.errorf(p.i, "expected %s (0 or 1), found %s", what, describeByte(p.s, p.i))
}

var arcArgNames = [7]string{"rx", "ry", "x-axis-rotation", "large-arc-flag", "sweep-flag", "x", "y"}

func (p *pathParser) parse() ([]PathCommand, error) {
	var cmds []PathCommand
	p.skipSpace()
	for p.i < len(p.s) {
		at := p.i
		op := p.s[at]
		n, ok := pathArity(op)
		if !ok {
			switch {
			case len(cmds) == 0:
				return nil, p.errorf(at, "expected a path command letter, found %s", describeByte(p.s, at))
			case p.startsNumber(at) || op == ',':
				// Only after Z can a number (or comma) be left over here.
				return nil, p.errorf(at, "unexpected %s after %q, which takes no numbers", describeByte(p.s, at), cmds[len(cmds)-1].Op)
			default:
				return nil, p.errorf(at, "unexpected %s, expected a number or a path command letter", describeByte(p.s, at))
			}
		}
		p.i++
		p.skipSpace()
		if n == 0 {
			cmds = append(cmds, PathCommand{Op: op})
			continue
		}
		if p.i < len(p.s) && p.s[p.i] == ',' {
			return nil, p.errorf(p.i, "unexpected ',' before the first number of %q", op)
		}
		isArc := op == 'A' || op == 'a'
		cur := op
		for {
			start := len(p.args)
			for k := 0; k < n; k++ {
				if k > 0 {
					p.skipCommaSpace()
				}
				what := argDesc{op: op, k: k, n: n, at: at}
				var v float64
				var err error
				if isArc && (k == 3 || k == 4) {
					v, err = p.flag(what)
				} else {
					v, err = p.number(what)
				}
				if err != nil {
					return nil, err
				}
				p.args = append(p.args, v)
			}
			cmds = append(cmds, PathCommand{Op: cur, Args: p.args[start:len(p.args):len(p.args)]})
			// After a moveto, further pairs are implicit linetos.
			switch cur {
			case 'M':
				cur = 'L'
			case 'm':
				cur = 'l'
			}
			p.skipSpace()
			if p.i < len(p.s) && p.s[p.i] == ',' {
				commaAt := p.i
				p.i++
				p.skipSpace()
				if !p.startsNumber(p.i) {
					return nil, p.errorf(commaAt, "unexpected ',' after the numbers of %q", op)
				}
				continue
			}
			if !p.startsNumber(p.i) {
				break
			}
		}
	}
	return cmds, nil
}

// SimplifyPath converts parsed path commands exactly as Fabric.js v6
// makePathSimpler (src/util/path/index.ts, v6.9.1) does, which is what
// fabric.Path runs on the "path" of every loaded object:
//
//   - relative commands become absolute; H and V become L;
//   - S becomes C whose first control point reflects the previous second
//     control point only if the previous output command was a C (an S also
//     outputs a C); otherwise it is the current point. T becomes Q with the
//     same rule against a previous Q;
//   - A becomes one cubic per started 90 degrees of sweep, using Fabric's
//     endpoint-to-centre conversion (radii scaled up when too small). An arc
//     with rx or ry equal to 0, or whose endpoints coincide, produces
//     nothing, yet the current point still moves to its end point, so the
//     next segment is drawn from the previous point (a browser would draw a
//     straight line instead);
//   - Z returns the current point to the start of the subpath.
//
// The output has only absolute M, L, C, Q and Z. Each input command must
// carry exactly as many numbers as its letter takes (Fabric would read
// missing ones as NaN and ignore extra ones); an unknown letter or a wrong
// count is an error naming the command index and letter. Arithmetic
// (including V8's fdlibm sin, cos and atan2) is reproduced so that results
// match Fabric in Node/Chromium bit for bit.
func SimplifyPath(cmds []PathCommand) ([]PathCommand, error) {
	total := 0
	for i, c := range cmds {
		n, ok := pathArity(c.Op)
		if !ok {
			return nil, fmt.Errorf("path command %d: unknown command %q", i, c.Op)
		}
		if len(c.Args) != n {
			return nil, fmt.Errorf("path command %d (%q): takes %d numbers, got %d", i, c.Op, n, len(c.Args))
		}
		switch c.Op {
		case 'A', 'a':
			total += 4 * 6
		case 'S', 's', 'C', 'c':
			total += 6
		case 'Q', 'q', 'T', 't':
			total += 4
		case 'Z', 'z':
		default:
			total += 2
		}
	}
	buf := make([]float64, 0, total)
	out := make([]PathCommand, 0, len(cmds))
	emit := func(op byte, vals ...float64) {
		start := len(buf)
		buf = append(buf, vals...)
		out = append(out, PathCommand{Op: op, Args: buf[start:len(buf):len(buf)]})
	}
	var (
		x, y               float64 // current point
		x1, y1             float64 // subpath start
		controlX, controlY float64
		previous           byte
	)
	// reflect is the first control point of an S (after a C) or a T (after
	// a Q): the previous control point mirrored about the current point if
	// the previous output command was want, else the current point.
	reflect := func(want byte) (float64, float64) {
		if previous == want {
			return float64(2*x) - controlX, float64(2*y) - controlY
		}
		return x, y
	}
	for _, c := range cmds {
		var cur [8]float64
		copy(cur[1:], c.Args)
		// A relative command's coordinates are offsets from the current
		// point: for h only cur[1] (an x), for v only cur[1] (a y), for a
		// only the end point, for the others every (x, y) pair.
		switch c.Op {
		case 'h':
			cur[1] += x
		case 'v':
			cur[1] += y
		case 'a':
			cur[6] += x
			cur[7] += y
		case 'l', 'm', 'c', 's', 'q', 't':
			for i := 1; i < 1+len(c.Args); i += 2 {
				cur[i] += x
				cur[i+1] += y
			}
		}
		var converted byte
		switch c.Op {
		case 'L', 'l':
			x, y = cur[1], cur[2]
			emit('L', x, y)
			converted = 'L'
		case 'H', 'h':
			x = cur[1]
			emit('L', x, y)
			converted = 'L'
		case 'V', 'v':
			y = cur[1]
			emit('L', x, y)
			converted = 'L'
		case 'M', 'm':
			x, y = cur[1], cur[2]
			x1, y1 = cur[1], cur[2]
			emit('M', x, y)
			converted = 'M'
		case 'C', 'c':
			controlX, controlY = cur[3], cur[4]
			x, y = cur[5], cur[6]
			emit('C', cur[1], cur[2], controlX, controlY, x, y)
			converted = 'C'
		case 'S', 's':
			controlX, controlY = reflect('C')
			x, y = cur[3], cur[4]
			emit('C', controlX, controlY, cur[1], cur[2], x, y)
			controlX, controlY = cur[1], cur[2]
			converted = 'C'
		case 'Q', 'q':
			controlX, controlY = cur[1], cur[2]
			x, y = cur[3], cur[4]
			emit('Q', controlX, controlY, x, y)
			converted = 'Q'
		case 'T', 't':
			controlX, controlY = reflect('Q')
			x, y = cur[1], cur[2]
			emit('Q', controlX, controlY, x, y)
			converted = 'Q'
		case 'A', 'a':
			segs := fabricArcToSegments(cur[6]-x, cur[7]-y, cur[1], cur[2], cur[4], cur[5], cur[3])
			for _, s := range segs {
				emit('C', s[0]+x, s[1]+y, s[2]+x, s[3]+y, s[4]+x, s[5]+y)
			}
			x, y = cur[6], cur[7]
		case 'Z', 'z':
			x, y = x1, y1
			emit('Z')
			converted = 'Z'
		}
		previous = converted
	}
	return out, nil
}

// fabricCalcVectorAngle is Fabric's calcVectorAngle.
func fabricCalcVectorAngle(ux, uy, vx, vy float64) float64 {
	ta := jsAtan2(uy, ux)
	tb := jsAtan2(vy, vx)
	if tb >= ta {
		return tb - ta
	}
	return float64(2*math.Pi) - (ta - tb)
}

// fabricArcToSegments is Fabric's arcToSegments for an arc from (0, 0) to
// (toX, toY). Each segment is a cubic's cp1, cp2 and end point. Products
// are wrapped in float64() so no FMA changes the rounding.
func fabricArcToSegments(toX, toY, rx, ry, large, sweep, rotateX float64) [][6]float64 {
	if rx == 0 || ry == 0 {
		return nil
	}
	root := 0.0
	theta := rotateX * fabricPiBy180
	sinTheta := Sin(theta)
	cosTh := Cos(theta)
	px := 0.5 * (float64(-cosTh*toX) - float64(sinTheta*toY))
	py := 0.5 * (float64(-cosTh*toY) + float64(sinTheta*toX))
	rx2 := rx * rx
	ry2 := ry * ry
	py2 := py * py
	px2 := px * px
	pl := (float64(rx2*ry2) - float64(rx2*py2)) - float64(ry2*px2)
	arx := math.Abs(rx)
	ary := math.Abs(ry)
	if pl < 0 {
		s := math.Sqrt(1 - pl/float64(rx2*ry2))
		arx *= s
		ary *= s
	} else {
		sign := 1.0
		if large == sweep {
			sign = -1
		}
		root = sign * math.Sqrt(pl/(float64(rx2*py2)+float64(ry2*px2)))
	}
	cx := float64(float64(root*arx)*py) / ary
	cy := float64(float64(-root*ary)*px) / arx
	cx1 := (float64(cosTh*cx) - float64(sinTheta*cy)) + float64(toX*0.5)
	cy1 := (float64(sinTheta*cx) + float64(cosTh*cy)) + float64(toY*0.5)
	mTheta := fabricCalcVectorAngle(1, 0, (px-cx)/arx, (py-cy)/ary)
	dtheta := fabricCalcVectorAngle((px-cx)/arx, (py-cy)/ary, (-px-cx)/arx, (-py-cy)/ary)
	if sweep == 0 && dtheta > 0 {
		dtheta -= float64(2 * math.Pi)
	} else if sweep == 1 && dtheta < 0 {
		dtheta += float64(2 * math.Pi)
	}
	segF := math.Ceil(math.Abs(float64(dtheta/math.Pi) * 2))
	// JavaScript's loop `i < NaN` runs zero times (coincident endpoints);
	// mathematically |dtheta| < 2*pi, so there are at most 4 segments.
	if !(segF >= 1) {
		return nil
	}
	if segF > 4 {
		segF = 4
	}
	segments := int(segF)
	mDelta := dtheta / segF
	s4 := jsSin(mDelta / 4)
	mT := float64(float64((8.0/3)*s4)*s4) / jsSin(mDelta/2)
	th3 := mTheta + mDelta
	result := make([][6]float64, segments)
	fromX, fromY := 0.0, 0.0
	for i := 0; i < segments; i++ {
		result[i] = fabricSegmentToBezier(mTheta, th3, cosTh, sinTheta, arx, ary, cx1, cy1, mT, fromX, fromY)
		fromX, fromY = result[i][4], result[i][5]
		mTheta = th3
		th3 += mDelta
	}
	return result
}

// fabricSegmentToBezier is Fabric's segmentToBezier.
func fabricSegmentToBezier(theta1, theta2, cosTh, sinTh, rx, ry, cx1, cy1, mT, fromX, fromY float64) [6]float64 {
	costh1 := Cos(theta1)
	sinth1 := Sin(theta1)
	costh2 := Cos(theta2)
	sinth2 := Sin(theta2)
	toX := (float64(float64(cosTh*rx)*costh2) - float64(float64(sinTh*ry)*sinth2)) + cx1
	toY := (float64(float64(sinTh*rx)*costh2) + float64(float64(cosTh*ry)*sinth2)) + cy1
	cp1X := fromX + float64(mT*(float64(float64(-cosTh*rx)*sinth1)-float64(float64(sinTh*ry)*costh1)))
	cp1Y := fromY + float64(mT*(float64(float64(-sinTh*rx)*sinth1)+float64(float64(cosTh*ry)*costh1)))
	cp2X := toX + float64(mT*(float64(float64(cosTh*rx)*sinth2)+float64(float64(sinTh*ry)*costh2)))
	cp2Y := toY + float64(mT*(float64(float64(sinTh*rx)*sinth2)-float64(float64(cosTh*ry)*costh2)))
	return [6]float64{cp1X, cp1Y, cp2X, cp2Y, toX, toY}
}

// PathBounds returns the bounding box Fabric.js v6 computes for a
// simplified path (Path._calcBoundsFromPath with getBoundsOfCurve and
// makeBoundingBoxFromPoints):
//
//   - an L contributes its end point and the start of its subpath (not the
//     point it starts from, which is already in the box unless it was
//     reached by a bare M);
//   - an M contributes nothing by itself, so a trailing M, or an M followed
//     only by Z, does not enlarge the box;
//   - a C contributes its start, end and the points at the roots of its
//     derivative (coefficients below 1e-12 in magnitude count as zero);
//   - a Q is bounded as the cubic whose two control points are both the
//     Q's control point, which is not the same curve: the box can be larger
//     than the quadratic drawn;
//   - Z adds nothing.
//
// With no contributing point the result is all zeros. A NaN coordinate in
// the first contributing point poisons the result; later NaNs are ignored
// (JavaScript comparison semantics). Commands other than M, L, C, Q, Z, or
// with too few numbers, are skipped. Width and height are maxX-minX and
// maxY-minY; Fabric's pathOffset is (minX + width/2, minY + height/2).
func PathBounds(cmds []PathCommand) (minX, minY, maxX, maxY float64) {
	var bb fabricBBox
	var subX, subY, x, y float64
	for _, c := range cmds {
		a := c.Args
		switch c.Op {
		case 'L':
			if len(a) < 2 {
				continue
			}
			x, y = a[0], a[1]
			bb.add(subX, subY)
			bb.add(x, y)
		case 'M':
			if len(a) < 2 {
				continue
			}
			x, y = a[0], a[1]
			subX, subY = x, y
		case 'C', 'Q':
			var p [6]float64 // the cubic's cp1, cp2 and end point
			switch {
			case c.Op == 'C' && len(a) >= 6:
				copy(p[:], a)
			case c.Op == 'Q' && len(a) >= 4:
				// Fabric bounds a Q as the cubic whose control points
				// are both the Q's.
				p = [6]float64{a[0], a[1], a[0], a[1], a[2], a[3]}
			default:
				continue
			}
			lo, hi := fabricBoundsOfCurve(x, y, p[0], p[1], p[2], p[3], p[4], p[5])
			bb.add(lo[0], lo[1])
			bb.add(hi[0], hi[1])
			x, y = p[4], p[5]
		case 'Z':
			x, y = subX, subY
		}
	}
	return bb.left, bb.top, bb.right, bb.bottom
}

// PathBBox returns Fabric's TBBox for a simplified path: left, top and the
// width and height exactly as makeBoundingBoxFromPoints computes them
// (width = maxX - left). Fabric sets pathOffset to (left + width/2,
// top + height/2), which can differ in the last bit from (minX+maxX)/2.
func PathBBox(cmds []PathCommand) (left, top, width, height float64) {
	minX, minY, maxX, maxY := PathBounds(cmds)
	return minX, minY, maxX - minX, maxY - minY
}

// fabricBBox accumulates points like makeBoundingBoxFromPoints: the first
// point sets every edge, later ones only move an edge when a comparison is
// true (so later NaNs are ignored).
type fabricBBox struct {
	n                        int
	left, top, right, bottom float64
}

func (b *fabricBBox) add(x, y float64) {
	first := b.n == 0
	b.n++
	if x > b.right || first {
		b.right = x
	}
	if x < b.left || first {
		b.left = x
	}
	if y > b.bottom || first {
		b.bottom = y
	}
	if y < b.top || first {
		b.top = y
	}
}

// jsMinMax returns Math.min and Math.max of vals with JavaScript semantics
// (any NaN gives NaN; -0 is less than +0).
func jsMinMax(vals []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range vals {
		if math.IsNaN(v) {
			return math.NaN(), math.NaN()
		}
		if v < lo || (v == 0 && lo == 0 && math.Signbit(v)) {
			lo = v
		}
		if v > hi || (v == 0 && hi == 0 && !math.Signbit(v)) {
			hi = v
		}
	}
	return lo, hi
}

// fabricBoundsOfCurve is Fabric's getBoundsOfCurve: the corners of the box
// around a cubic's start, end and derivative roots.
func fabricBoundsOfCurve(begx, begy, cp1x, cp1y, cp2x, cp2y, endx, endy float64) (lo, hi [2]float64) {
	var tvalues [4]float64
	nt := 0
	b := (float64(6*begx) - float64(12*cp1x)) + float64(6*cp2x)
	a := ((float64(-3*begx) + float64(9*cp1x)) - float64(9*cp2x)) + float64(3*endx)
	c := float64(3*cp1x) - float64(3*begx)
	for i := 0; i < 2; i++ {
		if i > 0 {
			b = (float64(6*begy) - float64(12*cp1y)) + float64(6*cp2y)
			a = ((float64(-3*begy) + float64(9*cp1y)) - float64(9*cp2y)) + float64(3*endy)
			c = float64(3*cp1y) - float64(3*begy)
		}
		if math.Abs(a) < 1e-12 {
			if math.Abs(b) < 1e-12 {
				continue
			}
			t := -c / b
			if 0 < t && t < 1 {
				tvalues[nt] = t
				nt++
			}
			continue
		}
		b2ac := float64(b*b) - float64(float64(4*c)*a)
		if b2ac < 0 {
			continue
		}
		sq := math.Sqrt(b2ac)
		t1 := (-b + sq) / float64(2*a)
		if 0 < t1 && t1 < 1 {
			tvalues[nt] = t1
			nt++
		}
		t2 := (-b - sq) / float64(2*a)
		if 0 < t2 && t2 < 1 {
			tvalues[nt] = t2
			nt++
		}
	}
	var xs, ys [6]float64
	for j := 0; j < nt; j++ {
		xs[j], ys[j] = fabricCubicPoint(begx, begy, cp1x, cp1y, cp2x, cp2y, endx, endy, tvalues[j])
	}
	xs[nt], ys[nt] = begx, begy
	xs[nt+1], ys[nt+1] = endx, endy
	lo[0], hi[0] = jsMinMax(xs[:nt+2])
	lo[1], hi[1] = jsMinMax(ys[:nt+2])
	return lo, hi
}

// fabricCubicPoint is Fabric's getPointOnCubicBezierIterator(...)(t),
// with t ** 3 computed by V8's pow (which differs from t*t*t).
func fabricCubicPoint(begx, begy, cp1x, cp1y, cp2x, cp2y, endx, endy, t float64) (float64, float64) {
	u := 1 - t
	c1 := JSPow(t, 3)
	c2 := float64(3*float64(t*t)) * u
	c3 := float64(3*t) * float64(u*u)
	c4 := JSPow(u, 3)
	px := ((float64(endx*c1) + float64(cp2x*c2)) + float64(cp1x*c3)) + float64(begx*c4)
	py := ((float64(endy*c1) + float64(cp2y*c2)) + float64(cp1y*c3)) + float64(begy*c4)
	return px, py
}
