package web

// inboxRoutes are the inbox pages.
func (s *Server) inboxRoutes() []route { return nil }
