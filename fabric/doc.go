// Package fabric is the Fabric.js canvas model: it parses the JSON that
// canvas.toJSON() writes (Fabric 4 to 7) into typed, immutable Go values,
// applying each version's defaults, and reports bad input with the JSON path
// at fault.
//
// A parsed *Canvas is never modified by this package after Parse returns, so
// one template may be shared by many goroutines.
//
// # Security Considerations
//
// Parse enforces Limits (input bytes, object count, nesting depth, string
// sizes, canvas and output pixels) before it allocates in proportion to the
// input, so a hostile document fails with an error instead of exhausting
// memory.
package fabric
