package httpapi

// registerProperty registers the operations on property.
func (a *API) registerProperty() {}
