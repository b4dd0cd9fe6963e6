// Package diffusion is the requests that one NCB sends straight to the
// countries or regions it picks: delivery, acknowledgement, review by the
// General Secretariat afterwards, and withdrawal that purges every copy.
package diffusion

// Service manages diffusions.
type Service struct{}
