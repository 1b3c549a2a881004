package filter

import "github.com/fabricpress/fabricpress/fabric"

// parseColor is Fabric 6.9.1's new Color(s).getSource() (src/color/Color.ts)
// as [r, g, b, a], from fabric.ParseFabricSource: r, g and b are not
// clamped (rgb(300,0,0) gives 300), a missing component parses as NaN like
// parseFloat(""), and anything unrecognised, including "", is opaque black.
func parseColor(s string) [4]float64 {
	c := fabric.ParseFabricSource(s)
	return [4]float64{c.R, c.G, c.B, c.A}
}
