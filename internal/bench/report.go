package bench

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// WriteTable writes the result as a readable table: each figure, the goal
// of issue 4 (set for 10 million documents and 1 million persons on two
// cores), and why a figure is missing.
func (r *Result) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "polex bench checks: %d documents, %d persons, seed %d, concurrency %d, %s, %d CPUs, GOMAXPROCS %d, GOGC %d\n\n",
		r.Documents, r.Persons, r.Seed, r.Concurrency, r.GoVersion, r.CPUs, r.GOMAXPROCS, r.GOGC)
	fmt.Fprintf(tw, "figure\tvalue\tgoal\tkey\n")
	notes := map[string]int{}
	var order []string
	row := func(name string, v *float64, format, goal, key string) {
		val := "—"
		if v != nil {
			val = fmt.Sprintf(format, *v)
		} else if why := r.Skipped[key]; why != "" {
			if notes[why] == 0 {
				order = append(order, why)
				notes[why] = len(order)
			}
			val = fmt.Sprintf("— [%d]", notes[why])
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", name, val, goal, key)
	}
	row(fmt.Sprintf("document check p50 (%d in flight)", r.LatencyConc), r.DocCheckP50, "%.3f ms", "", "doc_check_p50_ms")
	row(fmt.Sprintf("document check p99 (%d in flight)", r.LatencyConc), r.DocCheckP99, "%.3f ms", "≤ 2 ms", "doc_check_p99_ms")
	row(fmt.Sprintf("document check p99 (%d in flight)", r.Concurrency), r.DocThroughputP99, "%.3f ms", "", "doc_check_throughput_p99_ms")
	row("document checks", r.DocChecksPerS, "%.0f /s", "≥ 20,000 /s, > PostgreSQL", "doc_checks_per_s")
	row("document batch (1,000 a call)", r.DocBatchPerS, "%.0f docs/s", "≥ 500,000 docs/s", "doc_batch_per_s")
	row("document index", r.DocIndexBytes, "%.1f bytes/doc", "≤ 32 bytes/doc", "doc_index_bytes_per_doc")
	row("PostgreSQL document checks", r.PGDocChecksPerS, "%.0f /s", "", "pg_doc_checks_per_s")
	row("PostgreSQL document check p99", r.PGDocCheckP99, "%.3f ms", "", "pg_doc_check_p99_ms")
	row("PostgreSQL checks with a log row", r.PGDocAuditedPerS, "%.0f /s", "", "pg_doc_checks_audited_per_s")
	row("PostgreSQL check with a log row p99", r.PGDocAuditedP99, "%.3f ms", "", "pg_doc_check_audited_p99_ms")
	row("loopback ceiling: HTTP, no check", r.CeilingPerS, "%.0f /s", "", "loopback_ceiling_per_s")
	row("loopback ceiling: HTTP, durable audit entry", r.CeilingAuditedPerS, "%.0f /s", "", "loopback_audited_ceiling_per_s")
	row(fmt.Sprintf("name screen p50 (%d in flight)", r.LatencyConc), r.NameScreenP50, "%.2f ms", "", "name_screen_p50_ms")
	row(fmt.Sprintf("name screen p99 (%d in flight)", r.LatencyConc), r.NameScreenP99, "%.2f ms", "≤ 10 ms", "name_screen_p99_ms")
	row(fmt.Sprintf("name screen p99 (%d in flight)", r.Concurrency), r.NameThroughputP99, "%.2f ms", "", "name_screen_throughput_p99_ms")
	row("name screen found in top 10", r.NameFoundTop10, "%.3f", "", "name_found_top10")
	row("manifest of 300 (median)", r.Manifest300, "%.1f ms", "≤ 200 ms", "manifest300_ms")
	row("PostgreSQL name screen p50", r.PGNameScreenP50, "%.2f ms", "", "pg_name_screen_p50_ms")
	row("PostgreSQL name screen p99", r.PGNameScreenP99, "%.2f ms", "", "pg_name_screen_p99_ms")
	row("PostgreSQL name found in top 10", r.PGNameFoundTop10, "%.3f", "", "pg_name_found_top10")
	fmt.Fprintf(tw, "\n")
	for i, why := range order {
		fmt.Fprintf(tw, "[%d] not run: %s\n", i+1, why)
	}
	if len(order) > 0 {
		fmt.Fprintf(tw, "\n")
	}
	fmt.Fprintf(tw, "single checks\t%d (%d stored documents hit, %d missed, %d false hits)\n", r.DocChecks, r.DocCheckHits, r.DocCheckMisses, r.DocCheckFalse)
	fmt.Fprintf(tw, "batch documents\t%d (%d stored documents hit, %d missed)\n", r.BatchDocs, r.BatchHits, r.BatchMisses)
	fmt.Fprintf(tw, "index\t%d document fingerprints, %d bytes, loaded in %.1f s\n", r.IndexDocuments, r.IndexBytes, r.IndexLoadSeconds)
	if r.LoadSeconds != nil {
		fmt.Fprintf(tw, "data import (SQLite)\t%.1f s\n", *r.LoadSeconds)
	} else if r.DataReused {
		fmt.Fprintf(tw, "data import (SQLite)\treused the kept data directory\n")
	}
	if r.PGLoadSeconds != nil {
		fmt.Fprintf(tw, "data load (PostgreSQL)\t%.1f s\n", *r.PGLoadSeconds)
	}
	fmt.Fprintf(tw, "errors\t%d\n", r.Errors)
	return tw.Flush()
}
