package sqldb

import (
	"strconv"
	"strings"
)

// conds collects the conditions of a query's WHERE clause and their
// arguments, numbering the placeholders $1, $2, … as they are added.
type conds struct {
	list []string
	args []any
}

// arg adds v as the next argument and returns its placeholder.
func (c *conds) arg(v any) string {
	c.args = append(c.args, v)
	return "$" + strconv.Itoa(len(c.args))
}

// and adds a condition; the conditions are joined with AND.
func (c *conds) and(cond string) { c.list = append(c.list, cond) }

// where returns " WHERE c1 AND c2 …", or "" when there is no condition.
func (c *conds) where() string {
	if len(c.list) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(c.list, " AND ")
}

// likeEscape escapes the LIKE wildcards of s, for patterns written with
// ESCAPE '\'.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
