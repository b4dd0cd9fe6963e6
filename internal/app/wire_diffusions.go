package app

import "context"

// openDiffusions builds the diffusion service.
func (a *App) openDiffusions(ctx context.Context) error { return nil }

// seedDemoDiffusions adds demo diffusions.
func (a *App) seedDemoDiffusions(ctx context.Context) error { return nil }
