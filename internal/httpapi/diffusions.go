package httpapi

// registerDiffusions registers the operations on diffusions.
func (a *API) registerDiffusions() {}
