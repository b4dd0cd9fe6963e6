package cli

import "context"

// runImport loads documents, vehicles, persons or artworks from a file.
func runImport(ctx context.Context, env *Env, args []string) error {
	return usagef("import is not built yet")
}
