package fabric

// Filter is one entry of an Image's "filters" array, as Fabric wrote it.
// Type is the class name ("Grayscale", "Sepia", "Brightness", ...); Params
// holds every other key decoded from JSON (numbers as float64, strings,
// bools, arrays as []any, objects as map[string]any).
type Filter struct {
	Type   string
	Params map[string]any
}
