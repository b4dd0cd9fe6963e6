package web

// noticeRoutes are the notice pages, the reviewers' queue and the public extracts.
func (s *Server) noticeRoutes() []route { return nil }
