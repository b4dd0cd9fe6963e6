package notice

import (
	"errors"
	"fmt"

	"github.com/polex-org/polex/internal/errs"
)

// Problem classifies an invalid input so that an interface can explain it
// in its reader's language. It is wrapped in the errs.Invalid errors of
// this package (find it with ProblemOf), and in some errs.Conflict ones; the English message stays the
// error's errs.Message, which the API shows.
type Problem string

// Error returns the problem's code.
func (p Problem) Error() string { return string(p) }

// The problems that interfaces may word themselves.
const (
	ProblemRequired      Problem = "required"       // a field of the type is empty
	ProblemTooLong       Problem = "too_long"       // a text is too long or not printable
	ProblemNotDate       Problem = "not_date"       // a date is not YYYY-MM-DD
	ProblemFuture        Problem = "future"         // a date lies in the future
	ProblemOwnerDenied   Problem = "owner_denied"   // the owner country on its own deny list
	ProblemUNPublic      Problem = "un_public"      // a UN Special notice with restrictions
	ProblemExtractClosed Problem = "extract_closed" // a public extract of a restricted notice
	ProblemExtractFields Problem = "extract_fields" // a public extract without fields
	ProblemExtractField  Problem = "extract_field"  // an unknown field of public extracts
	ProblemChanged       Problem = "changed"        // the notice changed since the caller read it (Conflict)
	ProblemUnderReview   Problem = "under_review"   // an update already awaits review (Conflict)
	ProblemState         Problem = "state"          // the notice's status does not allow the change (Conflict)
	ProblemPhotoEmpty    Problem = "photo_empty"    // no photo was sent
	ProblemPhotoTooBig   Problem = "photo_too_big"  // more than MaxPhotoBytes
	ProblemPhotoType     Problem = "photo_type"     // not a JPEG or PNG image
	ProblemPhotoDecode   Problem = "photo_decode"   // the image does not decode
	ProblemPhotoSize     Problem = "photo_size"     // sides outside MinPhotoSide..MaxPhotoSide
	ProblemPhotoNoPerson Problem = "photo_noperson" // the notice's type has no person
	ProblemPhotoTooMany  Problem = "photo_too_many" // more than person.MaxList photos
)

// ProblemOf returns the Problem wrapped in err, or "" when there is none.
func ProblemOf(err error) Problem {
	var p Problem
	if errors.As(err, &p) {
		return p
	}
	return ""
}

// invalid returns an errs.Invalid error naming field, with a formatted
// English message, that wraps problem p.
func invalid(op, field string, p Problem, format string, a ...any) error {
	return &errs.Error{Op: op, Kind: errs.Invalid, Field: field, Msg: fmt.Sprintf(format, a...), Err: p}
}
