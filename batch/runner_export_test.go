package batch

import "context"

// SetPieceHook replaces the piece renderer of r (nil restores
// Template.Piece), for tests that inject failures and delays.
func SetPieceHook(r *Runner, fn func(ctx context.Context, t *Template, rec Recipient) (*Piece, error)) {
	r.piece = fn
}
