package fabric

import (
	"errors"
	"fmt"
)

// Sentinel errors, matched with errors.Is.
var (
	// ErrUnknownType reports an object "type" that is not a Fabric class.
	ErrUnknownType = errors.New("unknown object type")
	// ErrLimit reports input larger than the configured Limits.
	ErrLimit = errors.New("limit exceeded")
	// ErrSyntax reports input that is not JSON.
	ErrSyntax = errors.New("invalid JSON")
)

// Error is a problem with one value of the document. Path is a JSON path
// such as "objects[3].objects[1].fill"; it is empty for the whole document.
type Error struct {
	Path string
	Err  error
}

func (e *Error) Error() string {
	if e.Path == "" {
		return e.Err.Error()
	}
	return e.Path + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// errorf builds an *Error at path.
func errorf(path, format string, args ...any) error {
	return &Error{Path: path, Err: fmt.Errorf(format, args...)}
}

// SyntaxError is returned for a document that is not valid JSON.
type SyntaxError struct {
	Offset int64 // byte offset of the error
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at byte %d: %s", e.Offset, e.Msg)
}

func (e *SyntaxError) Is(target error) bool { return target == ErrSyntax }
