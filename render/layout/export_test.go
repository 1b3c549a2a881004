package layout

import "github.com/fabricpress/fabricpress/fabric"

// Details exposes measuring internals to the tests.
type Details struct {
	LineLeft  []float64    // _getLineLeftOffset per line
	FirstLine [][3]float64 // left, width, kernedWidth of the first line's graphemes
}

// Inspect lays t out and returns the block with measuring details.
func Inspect(e *Engine, t *fabric.Text) (*Block, Details, error) {
	m, err := e.measure2(t)
	if err != nil {
		return nil, Details{}, err
	}
	var d Details
	for i := range m.lines {
		d.LineLeft = append(d.LineLeft, m.lineLeftOffset(i))
	}
	if len(m.lines) > 0 {
		for _, c := range m.lines[0].chars {
			d.FirstLine = append(d.FirstLine, [3]float64{c.left, c.width, c.kernedWidth})
		}
	}
	return e.block(m), d, nil
}
