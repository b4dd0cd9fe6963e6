// Package property is the stolen-property databases — travel documents,
// motor vehicles and works of art — and the persons database, with bulk
// loading from national systems.
package property

// Service manages the property databases.
type Service struct{}
