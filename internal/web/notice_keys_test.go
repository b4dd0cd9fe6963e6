package web

import (
	"github.com/polex-org/polex/internal/notice"
)

// noticeDynamicKeys lists the catalogue keys that the notice templates
// build with print, for TestKeysUsed.
func noticeDynamicKeys() map[string][]string {
	ex := func(prefix string, vals ...string) []string {
		out := make([]string, len(vals))
		for i, v := range vals {
			out[i] = prefix + v
		}
		return out
	}
	var types, statuses []string
	for _, t := range notice.Types {
		types = append(types, string(t))
	}
	for _, s := range notice.Statuses {
		statuses = append(statuses, string(s))
	}
	// Form fields: the types' own fields, the common inputs, and the
	// service fields that formErrorOf may name.
	fields := append(append([]string{}, notice.FieldNames...), noticeFields...)
	fields = append(fields, "name_full", "name_given", "name_family", "type", "purpose", "owner", "reason", "reasons", "person")
	return map[string][]string{
		`"notice.type." ·`:           ex("notice.type.", types...),
		`"notice.purpose." ·`:        ex("notice.purpose.", types...),
		`"notice.status." ·`:         ex("notice.status.", statuses...),
		`"notice.pending." ·`:        ex("notice.pending.", "submitted", "refused"),
		`"version." ·`:               ex("version.", "created", "updated", "submitted", "update-submitted", "published", "refused", "cancelled", "renewed", "expired"),
		`"notice.doc." ·`:            ex("notice.doc.", "passport", "id-card", "residence-permit", "driving-licence", "other"),
		`"notice.field." ·`:          ex("notice.field.", fields...),
		`"notice.classification." ·`: ex("notice.classification.", "0", "1", "2", "3"),
		`"notice.reason." ·`:         ex("notice.reason.", notice.ReasonArrested, notice.ReasonLocated, notice.ReasonWithdrawn),
		`"public.field." ·`:          ex("public.field.", notice.ExtractFields...),
		`"notice.sex." ·`:            ex("notice.sex.", "M", "F", "U"),
		`"finding." ·`:               ex("finding.", notice.FindMissing, notice.FindMalformed, notice.FindDuplicate, notice.FindArticle3, notice.FindArticle2),
	}
}
