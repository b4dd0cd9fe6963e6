package web

// diffusionRoutes are the diffusion pages.
func (s *Server) diffusionRoutes() []route { return nil }
