// Package notice is the notices of Polex: the eight types with their
// required fields, the lifecycle from draft to publication, refusal,
// cancellation or expiry, automated checks, versions and public extracts.
package notice

// Service manages notices.
type Service struct{}
