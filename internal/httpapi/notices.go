package httpapi

// registerNotices registers the operations on notices.
func (a *API) registerNotices() {}
