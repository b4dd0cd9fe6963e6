package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/property"
)

const importUsage = `usage: polex import documents|vehicles|persons|artworks --owner CC [--format jsonl|csv] [--batch N] FILE

Loads records of country CC from FILE ("-" for standard input): JSON Lines
(.jsonl, .json, .ndjson) or CSV with a header row (.csv), or as --format says.
The owner's ref identifies each record: re-importing updates changed records
and leaves the others alone. Bad lines are reported with their line number and
skipped. Rows are committed in batches; an interrupted import keeps what it
reported and re-running it completes it.

The import runs as an officer of CC's NCB with the audit actor system:import.

Exit status: 0 when every line was loaded, 1 when some lines were bad (the
others are loaded) or the import failed, 2 for bad usage.`

// runImport loads documents, vehicles, persons or artworks from a file.
func runImport(ctx context.Context, env *Env, args []string) error {
	fs := env.flags("import")
	owner := fs.String("owner", "", "the owning country `CC` (alpha-2); records are imported as its NCB")
	format := fs.String("format", "", "jsonl or csv (default: from the file's extension)")
	batch := fs.Int("batch", property.DefaultBatchRows, "rows committed per transaction (1000 to 200000); larger batches write fewer index pages per row")
	fs.Usage = func() {
		fmt.Fprintln(env.Stderr, importUsage)
		fs.PrintDefaults()
	}
	// Flags may come before or after the kind and the file.
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usagef("give the kind and the file\n%s", importUsage)
	}
	kind, err := property.KindOf(pos[0])
	if err != nil {
		return usagef("%s", errs.Message(err))
	}
	file := pos[1]
	if *owner == "" {
		return usagef("--owner CC is required: records are imported for one country")
	}
	if *batch < 1000 || *batch > 200000 {
		return usagef("--batch must be between 1000 and 200000")
	}
	f := *format
	if f == "" {
		f = property.FormatOf(file)
	}
	if f == "" {
		if file == "-" {
			f = property.FormatJSONL
		} else {
			return usagef("cannot tell the format of %q from its extension: give --format jsonl or csv", file)
		}
	}
	var in io.Reader = env.Stdin
	var size int64
	name := "stdin"
	if file != "-" {
		fh, err := os.Open(file)
		if err != nil {
			return errs.E("cli.import", errs.Invalid, fmt.Sprintf("cannot open %s: %v", file, errors.Unwrap(err)), "file")
		}
		defer fh.Close()
		if st, err := fh.Stat(); err == nil && st.Mode().IsRegular() {
			size = st.Size()
		}
		in, name = fh, file
	}
	a, err := env.open(ctx)
	if err != nil {
		return err
	}
	defer a.Close(context.WithoutCancel(ctx))
	p, err := a.ImportPrincipal(ctx, *owner)
	if err != nil {
		return err
	}
	a.Property.BatchRows = *batch
	cr := &countingReader{r: in}
	pg := newProgress(env.Stderr, size, cr)
	req := property.ImportRequest{Kind: kind, Owner: *owner, Format: f, File: name, OnBad: func(e property.LineError) {
		pg.mu.Lock()
		defer pg.mu.Unlock()
		pg.clear()
		if e.Field != "" {
			fmt.Fprintf(env.Stderr, "line %d: %s: %s\n", e.Line, e.Field, e.Message)
		} else {
			fmt.Fprintf(env.Stderr, "line %d: %s\n", e.Line, e.Message)
		}
	}}
	im, err := a.Property.Import(ctx, p, req, cr, pg.update)
	pg.done()
	if im.ID == "" && err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "import %s (%s for %s): %d lines, %d inserted, %d updated, %d unchanged, %d bad\n",
		im.ID, property.Plural(im.Kind), im.Owner, im.Lines, im.Inserted, im.Changed, im.Unchanged, im.Bad)
	if err != nil {
		if errors.Is(err, context.Canceled) || ctx.Err() != nil {
			fmt.Fprintf(env.Stderr, "interrupted: the counts above are committed; run the same import again to complete it\n")
			return context.Canceled
		}
		return err
	}
	if im.Bad > 0 {
		// Conflict: some lines broke the rules; exit status 1, no internal cause.
		return errs.E("cli.import", errs.Conflict, fmt.Sprintf("%d bad lines were skipped", im.Bad))
	}
	return nil
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// progress shows an import's committed counts on stderr: a bar redrawn in
// place on a terminal, a line every few seconds otherwise.
type progress struct {
	mu    sync.Mutex // update runs in the writer, bad lines in the parser
	w     io.Writer
	tty   bool
	size  int64
	cr    *countingReader
	start time.Time
	last  time.Time
	drawn bool
}

func newProgress(w io.Writer, size int64, cr *countingReader) *progress {
	return &progress{w: w, tty: isTerminal(w), size: size, cr: cr, start: time.Now()}
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func (pg *progress) update(im property.Import) {
	pg.mu.Lock()
	defer pg.mu.Unlock()
	now := time.Now()
	rate := float64(im.Inserted+im.Changed+im.Unchanged) / max(now.Sub(pg.start).Seconds(), 0.001)
	if pg.tty {
		if now.Sub(pg.last) < 100*time.Millisecond {
			return
		}
		pg.last = now
		bar := ""
		if pg.size > 0 {
			const width = 30
			done := min(int(float64(pg.cr.n.Load())/float64(pg.size)*width), width)
			bar = fmt.Sprintf("[%s%s] %3d%% ", strings.Repeat("#", done), strings.Repeat("-", width-done), done*100/width)
		}
		fmt.Fprintf(pg.w, "\r%s%d lines  %d inserted  %d updated  %d unchanged  %d bad  %.0f/s\x1b[K", bar, im.Lines, im.Inserted, im.Changed, im.Unchanged, im.Bad, rate)
		pg.drawn = true
		return
	}
	if now.Sub(pg.last) < 2*time.Second {
		return
	}
	pg.last = now
	fmt.Fprintf(pg.w, "progress: %d lines, %d inserted, %d updated, %d unchanged, %d bad (%.0f/s)\n", im.Lines, im.Inserted, im.Changed, im.Unchanged, im.Bad, rate)
}

// clear removes the bar before another line is written.
func (pg *progress) clear() {
	if pg.drawn {
		fmt.Fprint(pg.w, "\r\x1b[K")
		pg.drawn = false
	}
}

func (pg *progress) done() {
	pg.mu.Lock()
	defer pg.mu.Unlock()
	pg.clear()
}
