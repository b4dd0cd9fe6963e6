package web

// propertyRoutes are the pages of documents, vehicles, artworks and imports.
func (s *Server) propertyRoutes() []route { return nil }
