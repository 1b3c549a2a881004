package render

import (
	"math"

	"github.com/fabricpress/fabricpress/fabric"
)

// kappa places Bézier control points for Fabric's rounded rectangle
// corners (Rect._render uses 1 - 0.5522847498 from the corner).
const kappa = 1 - 0.5522847498

// shapePath builds the local-space path Fabric's _render traces for a
// primitive shape, or nil for objects that are not simple paths.
func shapePath(o fabric.Object) *path {
	switch s := o.(type) {
	case *fabric.Rect:
		return roundRectPath(s.Width, s.Height, s.RX, s.RY)
	case *fabric.Circle:
		p := &path{}
		p.arc(0, 0, s.Radius, s.StartAngle*math.Pi/180, s.EndAngle*math.Pi/180, s.CounterClockwise)
		return p
	case *fabric.Ellipse:
		p := &path{}
		if s.RX > 0 && s.RY > 0 {
			p.ellipse(s.RX, s.RY)
		}
		return p
	case *fabric.Triangle:
		p := &path{}
		w, h := s.Width, s.Height
		p.moveTo(-w/2, h/2)
		p.lineTo(0, -h/2)
		p.lineTo(w/2, h/2)
		p.close()
		return p
	case *fabric.Line:
		p := &path{}
		xm, ym := 1.0, 1.0
		if s.X1 <= s.X2 {
			xm = -1
		}
		if s.Y1 <= s.Y2 {
			ym = -1
		}
		p.moveTo(xm*s.Width/2, ym*s.Height/2)
		p.lineTo(-xm*s.Width/2, -ym*s.Height/2)
		return p
	case *fabric.Poly:
		p := &path{}
		n := len(s.Points)
		if n == 0 || math.IsNaN(s.Points[n-1].Y) {
			return p
		}
		ox, oy := s.PathOffset.X, s.PathOffset.Y
		p.moveTo(s.Points[0].X-ox, s.Points[0].Y-oy)
		for _, q := range s.Points {
			p.lineTo(q.X-ox, q.Y-oy)
		}
		if s.Closed {
			p.close()
		}
		return p
	case *fabric.Path:
		return commandsPath(s.Commands, s.PathOffset)
	}
	return nil
}

func roundRectPath(w, h, rx, ry float64) *path {
	if rx != 0 {
		rx = math.Min(rx, w/2)
	}
	if ry != 0 {
		ry = math.Min(ry, h/2)
	}
	x, y := -w/2, -h/2
	round := rx != 0 || ry != 0
	p := &path{}
	p.moveTo(x+rx, y)
	p.lineTo(x+w-rx, y)
	if round {
		p.cubicTo(x+w-kappa*rx, y, x+w, y+kappa*ry, x+w, y+ry)
	}
	p.lineTo(x+w, y+h-ry)
	if round {
		p.cubicTo(x+w, y+h-kappa*ry, x+w-kappa*rx, y+h, x+w-rx, y+h)
	}
	p.lineTo(x+rx, y+h)
	if round {
		p.cubicTo(x+kappa*rx, y+h, x, y+h-kappa*ry, x, y+h-ry)
	}
	p.lineTo(x, y+ry)
	if round {
		p.cubicTo(x, y+kappa*ry, x+kappa*rx, y, x+rx, y)
	}
	p.close()
	return p
}

// commandsPath replays simplified path commands shifted by -offset, as
// Path._renderPathCommands does.
func commandsPath(cmds []fabric.PathCommand, off fabric.Point) *path {
	p := &path{}
	l, t := -off.X, -off.Y
	for _, c := range cmds {
		a := c.Args
		switch c.Op {
		case 'M':
			if len(a) >= 2 {
				p.moveTo(a[0]+l, a[1]+t)
			}
		case 'L':
			if len(a) >= 2 {
				p.lineTo(a[0]+l, a[1]+t)
			}
		case 'C':
			if len(a) >= 6 {
				p.cubicTo(a[0]+l, a[1]+t, a[2]+l, a[3]+t, a[4]+l, a[5]+t)
			}
		case 'Q':
			if len(a) >= 4 {
				p.quadTo(a[0]+l, a[1]+t, a[2]+l, a[3]+t)
			}
		case 'Z', 'z':
			p.close()
		}
	}
	return p
}
