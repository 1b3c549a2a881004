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
	i := p.i
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < len(s) && isASCIIDigit(s[i]) {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		j := i + 1
		frac := 0
		for j < len(s) && isASCIIDigit(s[j]) {
			j++
			frac++
		}
		if digits > 0 || frac > 0 {
			i = j
			digits += frac
		}
	}
	if digits == 0 {
		return 0, p.errorf(start, "expected %s, found %s", what, describeByte(s, start))
	}
	// An exponent needs at least one digit; otherwise the 'e' is not part
	// of the number (and is then reported as a stray character).
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if j < len(s) && isASCIIDigit(s[j]) {
			for j < len(s) && isASCIIDigit(s[j]) {
				j++
			}
			i = j
		}
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
	for _, c := range cmds {
		var cur [8]float64
		copy(cur[1:], c.Args)
		var converted byte
		switch c.Op {
		case 'l':
			cur[1] += x
			cur[2] += y
			fallthrough
		case 'L':
			x, y = cur[1], cur[2]
			emit('L', x, y)
			converted = 'L'
		case 'h':
			cur[1] += x
			fallthrough
		case 'H':
			x = cur[1]
			emit('L', x, y)
			converted = 'L'
		case 'v':
			cur[1] += y
			fallthrough
		case 'V':
			y = cur[1]
			emit('L', x, y)
			converted = 'L'
		case 'm':
			cur[1] += x
			cur[2] += y
			fallthrough
		case 'M':
			x, y = cur[1], cur[2]
			x1, y1 = cur[1], cur[2]
			emit('M', x, y)
			converted = 'M'
		case 'c':
			cur[1] += x
			cur[2] += y
			cur[3] += x
			cur[4] += y
			cur[5] += x
			cur[6] += y
			fallthrough
		case 'C':
			controlX, controlY = cur[3], cur[4]
			x, y = cur[5], cur[6]
			emit('C', cur[1], cur[2], controlX, controlY, x, y)
			converted = 'C'
		case 's':
			cur[1] += x
			cur[2] += y
			cur[3] += x
			cur[4] += y
			fallthrough
		case 'S':
			if previous == 'C' {
				controlX = float64(2*x) - controlX
				controlY = float64(2*y) - controlY
			} else {
				controlX, controlY = x, y
			}
			x, y = cur[3], cur[4]
			emit('C', controlX, controlY, cur[1], cur[2], x, y)
			controlX, controlY = cur[1], cur[2]
			converted = 'C'
		case 'q':
			cur[1] += x
			cur[2] += y
			cur[3] += x
			cur[4] += y
			fallthrough
		case 'Q':
			controlX, controlY = cur[1], cur[2]
			x, y = cur[3], cur[4]
			emit('Q', controlX, controlY, x, y)
			converted = 'Q'
		case 't':
			cur[1] += x
			cur[2] += y
			fallthrough
		case 'T':
			if previous == 'Q' {
				controlX = float64(2*x) - controlX
				controlY = float64(2*y) - controlY
			} else {
				controlX, controlY = x, y
			}
			x, y = cur[1], cur[2]
			emit('Q', controlX, controlY, x, y)
			converted = 'Q'
		case 'a':
			cur[6] += x
			cur[7] += y
			fallthrough
		case 'A':
			segs := fabricArcToSegments(cur[6]-x, cur[7]-y, cur[1], cur[2], cur[4], cur[5], cur[3])
			for _, s := range segs {
				emit('C', s[0]+x, s[1]+y, s[2]+x, s[3]+y, s[4]+x, s[5]+y)
			}
			x, y = cur[6], cur[7]
		case 'z', 'Z':
			x, y = x1, y1
			emit('Z')
			converted = 'Z'
		}
		previous = converted
	}
	return out, nil
}

const (
	fabricHalfPI  = math.Pi / 2
	fabricPiBy180 = math.Pi / 180
)

// fabricCos is Fabric's util cos: exact 1, 0 and -1 at multiples of pi/2.
func fabricCos(angle float64) float64 {
	if angle == 0 {
		return 1
	}
	switch math.Abs(angle) / fabricHalfPI {
	case 1, 3:
		return 0
	case 2:
		return -1
	}
	return jsCos(angle)
}

// fabricSin is Fabric's util sin: exact values at pi/2, pi and 3pi/2.
func fabricSin(angle float64) float64 {
	if angle == 0 {
		return 0
	}
	sign := 1.0
	if angle < 0 {
		sign = -1
	}
	switch angle / fabricHalfPI {
	case 1:
		return sign
	case 2:
		return 0
	case 3:
		return -sign
	}
	return jsSin(angle)
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
	sinTheta := fabricSin(theta)
	cosTh := fabricCos(theta)
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
	costh1 := fabricCos(theta1)
	sinth1 := fabricSin(theta1)
	costh2 := fabricCos(theta2)
	sinth2 := fabricSin(theta2)
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
		case 'C':
			if len(a) < 6 {
				continue
			}
			lo, hi := fabricBoundsOfCurve(x, y, a[0], a[1], a[2], a[3], a[4], a[5])
			bb.add(lo[0], lo[1])
			bb.add(hi[0], hi[1])
			x, y = a[4], a[5]
		case 'Q':
			if len(a) < 4 {
				continue
			}
			lo, hi := fabricBoundsOfCurve(x, y, a[0], a[1], a[0], a[1], a[2], a[3])
			bb.add(lo[0], lo[1])
			bb.add(hi[0], hi[1])
			x, y = a[2], a[3]
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
	c1 := jsPow(t, 3)
	c2 := float64(3*float64(t*t)) * u
	c3 := float64(3*t) * float64(u*u)
	c4 := jsPow(u, 3)
	px := ((float64(endx*c1) + float64(cp2x*c2)) + float64(cp1x*c3)) + float64(begx*c4)
	py := ((float64(endy*c1) + float64(cp2y*c2)) + float64(cp1y*c3)) + float64(begy*c4)
	return px, py
}

// The functions below port V8's fdlibm-derived Math.atan2, Math.sin,
// Math.cos and Math.pow (v8/src/base/ieee754.cc) so results match V8 bit
// for bit (Go's math package differs in the last bit for about one argument
// in five). Products that feed an addition are wrapped in float64() so the
// Go compiler cannot fuse them into FMAs. Recent V8 builds may take sin and
// cos from glibc or LLVM libc instead; those differ from fdlibm in the last
// bit for a few percent of arguments.

func fdHi(x float64) int32  { return int32(math.Float64bits(x) >> 32) }
func fdLo(x float64) uint32 { return uint32(math.Float64bits(x)) }
func fdWords(hi int32, lo uint32) float64 {
	return math.Float64frombits(uint64(uint32(hi))<<32 | uint64(lo))
}
func fdSetLo(x float64, lo uint32) float64 { return fdWords(fdHi(x), lo) }
func fdSetHi(x float64, hi int32) float64  { return fdWords(hi, fdLo(x)) }

var (
	fdAtanHi = [4]float64{4.63647609000806093515e-01, 7.85398163397448278999e-01, 9.82793723247329054082e-01, 1.57079632679489655800e+00}
	fdAtanLo = [4]float64{2.26987774529616870924e-17, 3.06161699786838301793e-17, 1.39033110312309984516e-17, 6.12323399573676603587e-17}
	fdAT     = [11]float64{3.33333333333329318027e-01, -1.99999999998764832476e-01, 1.42857142725034663711e-01, -1.11111104054623557880e-01, 9.09088713343650656196e-02, -7.69187620504482999495e-02, 6.66107313738753120669e-02, -5.83357013379057348645e-02, 4.97687799461593236017e-02, -3.65315727442169155270e-02, 1.62858201153657823623e-02}
)

func jsAtan(x float64) float64 {
	hx := fdHi(x)
	ix := hx & 0x7fffffff
	var id int
	if ix >= 0x44100000 {
		if ix > 0x7ff00000 || (ix == 0x7ff00000 && fdLo(x) != 0) {
			return x + x
		}
		if hx > 0 {
			return fdAtanHi[3] + fdAtanLo[3]
		}
		return -fdAtanHi[3] - fdAtanLo[3]
	}
	if ix < 0x3fdc0000 {
		if ix < 0x3e400000 {
			return x
		}
		id = -1
	} else {
		x = math.Abs(x)
		switch {
		case ix < 0x3fe60000:
			id = 0
			x = (float64(2*x) - 1) / (2 + x)
		case ix < 0x3ff30000:
			id = 1
			x = (x - 1) / (x + 1)
		case ix < 0x40038000:
			id = 2
			x = (x - 1.5) / (1 + float64(1.5*x))
		default:
			id = 3
			x = -1 / x
		}
	}
	z := x * x
	w := z * z
	p1 := fdAT[8] + float64(w*fdAT[10])
	p1 = fdAT[6] + float64(w*p1)
	p1 = fdAT[4] + float64(w*p1)
	p1 = fdAT[2] + float64(w*p1)
	p1 = fdAT[0] + float64(w*p1)
	s1 := z * p1
	p2 := fdAT[7] + float64(w*fdAT[9])
	p2 = fdAT[5] + float64(w*p2)
	p2 = fdAT[3] + float64(w*p2)
	p2 = fdAT[1] + float64(w*p2)
	s2 := w * p2
	if id < 0 {
		return x - float64(x*(s1+s2))
	}
	z = fdAtanHi[id] - ((float64(x*(s1+s2)) - fdAtanLo[id]) - x)
	if hx < 0 {
		return -z
	}
	return z
}

// jsAtan2 is V8's Math.atan2.
func jsAtan2(y, x float64) float64 {
	const (
		piO4 = 7.8539816339744827900e-01
		piO2 = 1.5707963267948965580e+00
		pi   = 3.1415926535897931160e+00
		piLo = 1.2246467991473531772e-16
	)
	if math.IsNaN(x) || math.IsNaN(y) {
		return x + y
	}
	hx, lx := fdHi(x), fdLo(x)
	hy, ly := fdHi(y), fdLo(y)
	ix, iy := hx&0x7fffffff, hy&0x7fffffff
	if hx == 0x3ff00000 && lx == 0 {
		return jsAtan(y)
	}
	m := ((hy >> 31) & 1) | ((hx >> 30) & 2)
	if iy == 0 && ly == 0 {
		switch m {
		case 0, 1:
			return y
		case 2:
			return pi
		default:
			return -pi
		}
	}
	if ix == 0 && lx == 0 {
		if hy < 0 {
			return -piO2
		}
		return piO2
	}
	if ix == 0x7ff00000 {
		if iy == 0x7ff00000 {
			switch m {
			case 0:
				return piO4
			case 1:
				return -piO4
			case 2:
				return 3 * piO4
			default:
				return -3 * piO4
			}
		}
		switch m {
		case 0:
			return 0
		case 1:
			return math.Copysign(0, -1)
		case 2:
			return pi
		default:
			return -pi
		}
	}
	if iy == 0x7ff00000 {
		if hy < 0 {
			return -piO2
		}
		return piO2
	}
	var z float64
	k := (iy - ix) >> 20
	switch {
	case k > 60:
		z = piO2 + 0.5*piLo
		m &= 1
	case hx < 0 && k < -60:
		z = 0
	default:
		z = jsAtan(math.Abs(y / x))
	}
	switch m {
	case 0:
		return z
	case 1:
		return -z
	case 2:
		return pi - (z - piLo)
	default:
		return (z - piLo) - pi
	}
}

func fdKernelSin(x, y float64, iy int) float64 {
	const (
		half = 5.00000000000000000000e-01
		s1   = -1.66666666666666324348e-01
		s2   = 8.33333333332248946124e-03
		s3   = -1.98412698298579493134e-04
		s4   = 2.75573137070700676789e-06
		s5   = -2.50507602534068634195e-08
		s6   = 1.58969099521155010221e-10
	)
	if fdHi(x)&0x7fffffff < 0x3e400000 && int(x) == 0 {
		return x
	}
	z := x * x
	v := z * x
	r := s5 + float64(z*s6)
	r = s4 + float64(z*r)
	r = s3 + float64(z*r)
	r = s2 + float64(z*r)
	if iy == 0 {
		return x + float64(v*(s1+float64(z*r)))
	}
	return x - ((float64(z*(float64(half*y)-float64(v*r))) - y) - float64(v*s1))
}

func fdKernelCos(x, y float64) float64 {
	const (
		c1 = 4.16666666666666019037e-02
		c2 = -1.38888888888741095749e-03
		c3 = 2.48015872894767294178e-05
		c4 = -2.75573143513906633035e-07
		c5 = 2.08757232129817482790e-09
		c6 = -1.13596475577881948265e-11
	)
	ix := fdHi(x) & 0x7fffffff
	if ix < 0x3e400000 && int(x) == 0 {
		return 1
	}
	z := x * x
	p := c5 + float64(z*c6)
	p = c4 + float64(z*p)
	p = c3 + float64(z*p)
	p = c2 + float64(z*p)
	p = c1 + float64(z*p)
	r := z * p
	if ix < 0x3fd33333 {
		return 1 - (float64(0.5*z) - (float64(z*r) - float64(x*y)))
	}
	var qx float64
	if ix > 0x3fe90000 {
		qx = 0.28125
	} else {
		qx = fdWords(ix-0x00200000, 0)
	}
	iz := float64(0.5*z) - qx
	a := 1 - qx
	return a - (iz - (float64(z*r) - float64(x*y)))
}

var fdNpio2Hw = [32]int32{
	0x3FF921FB, 0x400921FB, 0x4012D97C, 0x401921FB, 0x401F6A7A, 0x4022D97C,
	0x4025FDBB, 0x402921FB, 0x402C463A, 0x402F6A7A, 0x4031475C, 0x4032D97C,
	0x40346B9C, 0x4035FDBB, 0x40378FDB, 0x403921FB, 0x403AB41B, 0x403C463A,
	0x403DD85A, 0x403F6A7A, 0x40407E4C, 0x4041475C, 0x4042106C, 0x4042D97C,
	0x4043A28C, 0x40446B9C, 0x404534AC, 0x4045FDBB, 0x4046C6CB, 0x40478FDB,
	0x404858EB, 0x404921FB,
}

// fdRemPio2 is __ieee754_rem_pio2 for finite |x| <= 2^19*(pi/2); ok is
// false for larger arguments (which Fabric paths never produce in practice).
func fdRemPio2(x float64) (n int32, y0, y1 float64, ok bool) {
	const (
		invpio2 = 6.36619772367581382433e-01
		pio2_1  = 1.57079632673412561417e+00
		pio2_1t = 6.07710050650619224932e-11
		pio2_2  = 6.07710050630396597660e-11
		pio2_2t = 2.02226624879595063154e-21
		pio2_3  = 2.02226624871116645580e-21
		pio2_3t = 8.47842766036889956997e-32
	)
	hx := fdHi(x)
	ix := hx & 0x7fffffff
	if ix <= 0x3fe921fb {
		return 0, x, 0, true
	}
	if ix < 0x4002d97c {
		if hx > 0 {
			z := x - pio2_1
			if ix != 0x3ff921fb {
				y0 = z - pio2_1t
				y1 = (z - y0) - pio2_1t
			} else {
				z -= pio2_2
				y0 = z - pio2_2t
				y1 = (z - y0) - pio2_2t
			}
			return 1, y0, y1, true
		}
		z := x + pio2_1
		if ix != 0x3ff921fb {
			y0 = z + pio2_1t
			y1 = (z - y0) + pio2_1t
		} else {
			z += pio2_2
			y0 = z + pio2_2t
			y1 = (z - y0) + pio2_2t
		}
		return -1, y0, y1, true
	}
	if ix > 0x413921fb {
		return 0, 0, 0, false
	}
	t := math.Abs(x)
	n = int32(float64(t*invpio2) + 0.5)
	fn := float64(n)
	r := t - float64(fn*pio2_1)
	w := fn * pio2_1t
	if n < 32 && ix != fdNpio2Hw[n-1] {
		y0 = r - w
	} else {
		j := ix >> 20
		y0 = r - w
		i := j - ((fdHi(y0) >> 20) & 0x7ff)
		if i > 16 {
			t = r
			w = fn * pio2_2
			r = t - w
			w = float64(fn*pio2_2t) - ((t - r) - w)
			y0 = r - w
			i = j - ((fdHi(y0) >> 20) & 0x7ff)
			if i > 49 {
				t = r
				w = fn * pio2_3
				r = t - w
				w = float64(fn*pio2_3t) - ((t - r) - w)
				y0 = r - w
			}
		}
	}
	y1 = (r - y0) - w
	if hx < 0 {
		return -n, -y0, -y1, true
	}
	return n, y0, y1, true
}

// jsSin is V8's fdlibm Math.sin.
func jsSin(x float64) float64 {
	ix := fdHi(x) & 0x7fffffff
	if ix <= 0x3fe921fb {
		return fdKernelSin(x, 0, 0)
	}
	if ix >= 0x7ff00000 {
		return math.NaN()
	}
	n, y0, y1, ok := fdRemPio2(x)
	if !ok {
		return math.Sin(x)
	}
	switch n & 3 {
	case 0:
		return fdKernelSin(y0, y1, 1)
	case 1:
		return fdKernelCos(y0, y1)
	case 2:
		return -fdKernelSin(y0, y1, 1)
	default:
		return -fdKernelCos(y0, y1)
	}
}

// jsCos is V8's fdlibm Math.cos.
func jsCos(x float64) float64 {
	ix := fdHi(x) & 0x7fffffff
	if ix <= 0x3fe921fb {
		return fdKernelCos(x, 0)
	}
	if ix >= 0x7ff00000 {
		return math.NaN()
	}
	n, y0, y1, ok := fdRemPio2(x)
	if !ok {
		return math.Cos(x)
	}
	switch n & 3 {
	case 0:
		return fdKernelCos(y0, y1)
	case 1:
		return -fdKernelSin(y0, y1, 1)
	case 2:
		return -fdKernelCos(y0, y1)
	default:
		return fdKernelSin(y0, y1, 1)
	}
}

// jsPow is V8's Math.pow / ** operator (fdlibm pow, ieee754::legacy::pow).
// Note that pow(t, 3) is not always t*t*t.
func jsPow(x, y float64) float64 {
	const (
		two53  = 9007199254740992.0
		l1     = 5.99999999999994648725e-01
		l2     = 4.28571428578550184252e-01
		l3     = 3.33333329818377432918e-01
		l4     = 2.72728123808534006489e-01
		l5     = 2.30660745775561754067e-01
		l6     = 2.06975017800338417784e-01
		p1     = 1.66666666666666019037e-01
		p2     = -2.77777777770155933842e-03
		p3     = 6.61375632143793436117e-05
		p4     = -1.65339022054652515390e-06
		p5     = 4.13813679705723846039e-08
		lg2    = 6.93147180559945286227e-01
		lg2H   = 6.93147182464599609375e-01
		lg2L   = -1.90465429995776804525e-09
		ovt    = 8.0085662595372944372e-0017
		cp     = 9.61796693925975554329e-01
		cpH    = 9.61796700954437255859e-01
		cpL    = -7.02846165095275826516e-09
		ivln2  = 1.44269504088896338700e+00
		ivln2H = 1.44269502162933349609e+00
		ivln2L = 1.92596299112661746887e-08
	)
	bp := [2]float64{1.0, 1.5}
	dpH := [2]float64{0.0, 5.84962487220764160156e-01}
	dpL := [2]float64{0.0, 1.35003920212974897128e-08}
	inf := math.Inf(1)

	hx, lx := fdHi(x), fdLo(x)
	hy, ly := fdHi(y), fdLo(y)
	ix, iy := hx&0x7fffffff, hy&0x7fffffff

	if iy == 0 && ly == 0 {
		return 1
	}
	if ix > 0x7ff00000 || (ix == 0x7ff00000 && lx != 0) || iy > 0x7ff00000 || (iy == 0x7ff00000 && ly != 0) {
		return x + y
	}
	yisint := int32(0)
	if hx < 0 {
		if iy >= 0x43400000 {
			yisint = 2
		} else if iy >= 0x3ff00000 {
			k := (iy >> 20) - 0x3ff
			if k > 20 {
				j := ly >> uint(52-k)
				if j<<uint(52-k) == ly {
					yisint = 2 - int32(j&1)
				}
			} else if ly == 0 {
				j := iy >> uint(20-k)
				if j<<uint(20-k) == iy {
					yisint = 2 - (j & 1)
				}
			}
		}
	}
	if ly == 0 {
		if iy == 0x7ff00000 {
			switch {
			case ix == 0x3ff00000 && lx == 0:
				return math.NaN()
			case ix >= 0x3ff00000:
				if hy >= 0 {
					return y
				}
				return 0
			}
			if hy < 0 {
				return -y
			}
			return 0
		}
		if iy == 0x3ff00000 {
			if hy < 0 {
				return 1 / x
			}
			return x
		}
		if hy == 0x40000000 {
			return x * x
		}
		if hy == 0x3fe00000 && hx >= 0 {
			return math.Sqrt(x)
		}
	}
	ax := math.Abs(x)
	if lx == 0 && (ix == 0x7ff00000 || ix == 0 || ix == 0x3ff00000) {
		z := ax
		if hy < 0 {
			z = 1 / z
		}
		if hx < 0 {
			if (ix-0x3ff00000)|yisint == 0 {
				z = math.NaN()
			} else if yisint == 1 {
				z = -z
			}
		}
		return z
	}
	n := (hx >> 31) + 1
	if n|yisint == 0 {
		return math.NaN()
	}
	s := 1.0
	if n|(yisint-1) == 0 {
		s = -1
	}
	var t1, t2 float64
	if iy > 0x41e00000 {
		if iy > 0x43f00000 {
			if ix <= 0x3fefffff {
				if hy < 0 {
					return inf
				}
				return 0
			}
			if ix >= 0x3ff00000 {
				if hy > 0 {
					return inf
				}
				return 0
			}
		}
		if ix < 0x3fefffff {
			if hy < 0 {
				return s * inf
			}
			return s * 0
		}
		if ix > 0x3ff00000 {
			if hy > 0 {
				return s * inf
			}
			return s * 0
		}
		t := ax - 1
		w := float64(t*t) * (0.5 - float64(t*(0.3333333333333333333333-float64(t*0.25))))
		u := ivln2H * t
		v := float64(t*ivln2L) - float64(w*ivln2)
		t1 = fdSetLo(u+v, 0)
		t2 = v - (t1 - u)
	} else {
		n = 0
		if ix < 0x00100000 {
			ax *= two53
			n -= 53
			ix = fdHi(ax)
		}
		n += (ix >> 20) - 0x3ff
		j := ix & 0x000fffff
		ix = j | 0x3ff00000
		k := 0
		switch {
		case j <= 0x3988e:
		case j < 0xbb67a:
			k = 1
		default:
			n++
			ix -= 0x00100000
		}
		ax = fdSetHi(ax, ix)
		u := ax - bp[k]
		v := 1 / (ax + bp[k])
		ss := u * v
		sH := fdSetLo(ss, 0)
		tH := fdWords(((ix>>1)|0x20000000)+0x00080000+int32(k<<18), 0)
		tL := ax - (tH - bp[k])
		sL := v * ((u - float64(sH*tH)) - float64(sH*tL))
		s2 := ss * ss
		r := l5 + float64(s2*l6)
		r = l4 + float64(s2*r)
		r = l3 + float64(s2*r)
		r = l2 + float64(s2*r)
		r = l1 + float64(s2*r)
		r = float64(s2*s2) * r
		r += float64(sL * (sH + ss))
		s2 = sH * sH
		tH = fdSetLo((3.0+s2)+r, 0)
		tL = r - ((tH - 3.0) - s2)
		u = sH * tH
		v = float64(sL*tH) + float64(tL*ss)
		pH := fdSetLo(u+v, 0)
		pL := v - (pH - u)
		zH := cpH * pH
		zL := (float64(cpL*pH) + float64(pL*cp)) + dpL[k]
		t := float64(n)
		t1 = fdSetLo(((zH+zL)+dpH[k])+t, 0)
		t2 = zL - (((t1 - t) - dpH[k]) - zH)
	}
	y1 := fdSetLo(y, 0)
	pL := float64((y-y1)*t1) + float64(y*t2)
	pH := y1 * t1
	z := pL + pH
	j, i := fdHi(z), fdLo(z)
	if j >= 0x40900000 {
		if (j-0x40900000)|int32(i) != 0 {
			return s * inf
		}
		if pL+ovt > z-pH {
			return s * inf
		}
	} else if j&0x7fffffff >= 0x4090cc00 {
		if (uint32(j)-0xc090cc00)|i != 0 {
			return s * 0
		}
		if pL <= z-pH {
			return s * 0
		}
	}
	ii := j & 0x7fffffff
	k := (ii >> 20) - 0x3ff
	n = 0
	if ii > 0x3fe00000 {
		n = j + (0x00100000 >> uint(k+1))
		k = ((n & 0x7fffffff) >> 20) - 0x3ff
		t := fdWords(n&^(0x000fffff>>uint(k)), 0)
		n = ((n & 0x000fffff) | 0x00100000) >> uint(20-k)
		if j < 0 {
			n = -n
		}
		pH -= t
	}
	t := fdSetLo(pL+pH, 0)
	u := t * lg2H
	v := float64((pL-(t-pH))*lg2) + float64(t*lg2L)
	z = u + v
	w := v - (z - u)
	t = z * z
	q := p4 + float64(t*p5)
	q = p3 + float64(t*q)
	q = p2 + float64(t*q)
	q = p1 + float64(t*q)
	t1 = z - float64(t*q)
	r := float64(z*t1) / ((t1 - 2) - (w + float64(z*w)))
	z = 1 - (r - z)
	if (fdHi(z)+(n<<20))>>20 <= 0 {
		z = math.Ldexp(z, int(n))
	} else {
		z = fdSetHi(z, fdHi(z)+(n<<20))
	}
	return s * z
}
