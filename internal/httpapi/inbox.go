package httpapi

// registerInbox registers the operations on inbox.
func (a *API) registerInbox() {}
