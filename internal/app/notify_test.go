package app_test

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/polex-org/polex/internal/admin"
	"github.com/polex-org/polex/internal/app"
	"github.com/polex-org/polex/internal/audit"
	"github.com/polex-org/polex/internal/config"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/notify"
	"github.com/polex-org/polex/internal/store/sqldb"
	"github.com/polex-org/polex/internal/store/storetest"
)

// wait is how long a test waits for something that should happen in
// milliseconds before declaring it lost.
const wait = 15 * time.Second

// served is an App running Serve on loopback, as `polex serve` does.
type served struct {
	*app.App
	base   string
	cancel context.CancelFunc
	done   chan error
}

// notifyConfig returns a configuration for engine ("sqlite" or "postgres",
// url the database of the latter) in dataDir.
func notifyConfig(t testing.TB, engine, url, dataDir string) config.Config {
	cfg := config.Default()
	cfg.DataDir = dataDir
	cfg.Addr = "127.0.0.1:0"
	cfg.ShutdownFor = 30 * time.Second
	cfg.AuditKey = dataDir + "/audit.key"
	if engine == "postgres" {
		cfg.DatabaseURL = url
	}
	return cfg
}

// serveApp opens and serves an App with fast notification settings; it
// stops at the end of the test.
func serveApp(t testing.TB, cfg config.Config, tune func(*notify.Options)) *served {
	t.Helper()
	a, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	o := &a.Notify.Opts
	o.AllowLoopbackHTTP = true
	o.Poll, o.LivePoll, o.GapWait = 50*time.Millisecond, 20*time.Millisecond, 200*time.Millisecond
	o.RetryBase, o.RetryMax, o.MaxAttempts, o.Timeout = 50*time.Millisecond, 200*time.Millisecond, 3, 5*time.Second
	if tune != nil {
		tune(o)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &served{App: a, cancel: cancel, done: make(chan error, 1)}
	ready := make(chan string, 1)
	go func() { s.done <- a.Serve(ctx, func(addr string) { ready <- addr }) }()
	select {
	case addr := <-ready:
		s.base = "http://" + addr
	case err := <-s.done:
		t.Fatal(err)
	}
	t.Cleanup(func() { s.stop(t) })
	return s
}

// stop shuts the server down and closes the App; it may be called twice.
func (s *served) stop(t testing.TB) {
	if s.cancel == nil {
		return
	}
	s.cancel()
	s.cancel = nil
	if err := <-s.done; err != nil {
		t.Error(err)
	}
	s.Close(context.Background())
}

// eachServed runs fn against a served App per engine.
func eachServed(t *testing.T, fn func(t *testing.T, s *served)) {
	for _, e := range []string{"sqlite", "postgres"} {
		t.Run(e, func(t *testing.T) {
			url := ""
			if e == "postgres" {
				url = storetest.PostgresURL(t)
			}
			fn(t, serveApp(t, notifyConfig(t, e, url, t.TempDir()), nil))
		})
	}
}

// emit commits events through sqldb.InsertEvents, as record stores do, and
// returns them with their IDs.
func emit(t testing.TB, a *app.App, org string, types ...string) []notify.Event {
	t.Helper()
	var evs []notify.Event
	for i, typ := range types {
		id := fmt.Sprintf("evt_%s_%d_%d", org, time.Now().UnixNano(), i)
		evs = append(evs, notify.Event{ID: id, Org: org, Type: typ, Subject: "notice:ntc_" + id, Title: "title " + id,
			Data: json.RawMessage(`{"n":` + strconv.Itoa(i) + `}`), Time: time.Now().UTC()})
	}
	if err := a.DB.Tx(context.Background(), func(tx *sql.Tx) error { return sqldb.InsertEvents(context.Background(), tx, evs) }); err != nil {
		t.Fatal(err)
	}
	return evs
}

// sseStream is a Server-Sent Events client.
type sseStream struct {
	resp   *http.Response
	events chan notify.Event
	ended  chan struct{}
}

// openStream connects to the API stream with a token, resuming after last
// when not "".
func openStream(t testing.TB, base, token, last string) *sseStream {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/api/v1/inbox/stream", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if last != "" {
		req.Header.Set("Last-Event-ID", last)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("stream: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	s := &sseStream{resp: resp, events: make(chan notify.Event, 10000), ended: make(chan struct{})}
	go func() {
		defer close(s.ended)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		id := ""
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "id: "):
				id = line[4:]
			case strings.HasPrefix(line, "data: "):
				var e notify.Event
				if err := json.Unmarshal([]byte(line[6:]), &e); err != nil || strconv.FormatInt(e.Seq, 10) != id {
					panic(fmt.Sprintf("bad SSE event id %q data %q: %v", id, line, err))
				}
				s.events <- e
			}
		}
	}()
	t.Cleanup(s.close)
	return s
}

func (s *sseStream) close() { s.resp.Body.Close() }

// next returns the next event, failing the test when none comes.
func (s *sseStream) next(t testing.TB) notify.Event {
	t.Helper()
	select {
	case e := <-s.events:
		return e
	case <-s.ended:
		t.Fatal("stream ended")
	case <-time.After(wait):
		t.Fatal("no event came")
	}
	return notify.Event{}
}

// expect reads len(want) events and checks they are want, in order.
func (s *sseStream) expect(t testing.TB, want ...notify.Event) {
	t.Helper()
	for i, w := range want {
		if g := s.next(t); g.ID != w.ID || g.Org != w.Org || g.Type != w.Type || g.Title != w.Title {
			t.Fatalf("event %d: got %s (%s %s), want %s", i, g.ID, g.Org, g.Type, w.ID)
		}
	}
}

func officers(t *testing.T, a *app.App) (fr, ke string) {
	fr, _ = user(t, a, "fr.officer", "ncb-fr", []identity.Role{identity.Officer}, "read")
	ke, _ = user(t, a, "ke.officer", "ncb-ke", []identity.Role{identity.Officer}, "read")
	return fr, ke
}

// TestInboxAPI: each organisation reads only its own inbox, newest first or
// after a seq; marking read works on its own events only; reads are audited.
func TestInboxAPI(t *testing.T) {
	engines(t, func(t *testing.T, a *app.App, srv *httptest.Server) {
		frTok, keTok := officers(t, a)
		fr, ke := client{t, srv.URL, frTok}, client{t, srv.URL, keTok}
		frEv := emit(t, a, "ncb-fr", notify.NoticePublished, notify.DiffusionReceived, notify.NoticeReminder)
		keEv := emit(t, a, "ncb-ke", notify.DiffusionReceived)

		st, m, _ := fr.do("GET", "/api/v1/inbox", nil)
		evs := m["events"].([]any)
		if st != 200 || len(evs) != 3 || m["unread"] != float64(3) {
			t.Fatalf("fr inbox: %d %v", st, m)
		}
		for i, e := range evs { // newest first, FR's only
			if id := e.(map[string]any)["id"]; id != frEv[2-i].ID {
				t.Fatalf("fr inbox[%d] = %v, want %s", i, id, frEv[2-i].ID)
			}
		}
		seq0 := int64(evs[2].(map[string]any)["seq"].(float64))
		st, m, _ = fr.do("GET", "/api/v1/inbox?since="+strconv.FormatInt(seq0, 10), nil)
		if evs := m["events"].([]any); st != 200 || len(evs) != 2 || evs[0].(map[string]any)["id"] != frEv[1].ID {
			t.Fatalf("fr since: %d %v", st, m)
		}
		st, m, _ = fr.do("GET", "/api/v1/inbox?limit=2", nil)
		if next := m["next"].(float64); st != 200 || len(m["events"].([]any)) != 2 {
			t.Fatalf("fr page: %d %v", st, m)
		} else if _, m, _ = fr.do("GET", "/api/v1/inbox?before="+strconv.FormatFloat(next, 'f', 0, 64), nil); len(m["events"].([]any)) != 1 {
			t.Fatalf("fr page 2: %v", m)
		}
		st, m, _ = ke.do("GET", "/api/v1/inbox", nil)
		if evs := m["events"].([]any); st != 200 || len(evs) != 1 || evs[0].(map[string]any)["id"] != keEv[0].ID || m["unread"] != float64(1) {
			t.Fatalf("ke inbox: %d %v", st, m)
		}

		// Another organisation's event does not exist for the caller.
		st, m, h := ke.do("POST", "/api/v1/inbox/"+frEv[0].ID+"/read", nil)
		wantProblem(t, st, m, h, 404, "not_found")
		if st, _, _ := fr.do("POST", "/api/v1/inbox/"+frEv[0].ID+"/read", nil); st != 204 {
			t.Fatalf("mark read: %d", st)
		}
		if _, m, _ = fr.do("GET", "/api/v1/inbox/unread", nil); m["unread"] != float64(2) {
			t.Fatalf("unread after mark: %v", m)
		}
		if _, m, _ = fr.do("GET", "/api/v1/inbox", nil); m["events"].([]any)[2].(map[string]any)["read_at"] == nil {
			t.Fatalf("read_at not set: %v", m)
		}
		if _, m, _ = fr.do("POST", "/api/v1/inbox/read", nil); m["marked"] != float64(2) {
			t.Fatalf("mark all: %v", m)
		}
		if _, m, _ = ke.do("GET", "/api/v1/inbox/unread", nil); m["unread"] != float64(1) {
			t.Fatalf("ke unread changed by fr: %v", m)
		}
		st, m, h = fr.do("GET", "/api/v1/inbox?since=-1", nil)
		wantProblem(t, st, m, h, 422, "invalid")

		es, err := a.Audit.Query(context.Background(), audit.Filter{Action: "inbox.read", Target: "inbox:ncb-fr"})
		if err != nil || len(es) < 4 {
			t.Fatalf("inbox reads audited: %d %v", len(es), err)
		}
	})
}

// TestInboxStream: the SSE stream delivers the organisation's events in
// order, only its own, and a client resuming with Last-Event-ID gets what
// it missed exactly once, then live events.
func TestInboxStream(t *testing.T) {
	eachServed(t, func(t *testing.T, s *served) {
		frTok, keTok := officers(t, s.App)
		fr := openStream(t, s.base, frTok, "")
		ke := openStream(t, s.base, keTok, "")
		first := emit(t, s.App, "ncb-fr", notify.NoticePublished, notify.NoticeRefused, notify.DiffusionReceived)
		keEv := emit(t, s.App, "ncb-ke", notify.DiffusionReceived)
		fr.expect(t, first...)
		ke.expect(t, keEv...)
		more := emit(t, s.App, "ncb-fr", notify.NoticeCancelled)
		fr.expect(t, more...)
		fr.close()

		// Missed while disconnected.
		missed := emit(t, s.App, "ncb-fr", notify.NoticeExpired, notify.RecordReminder)
		second := first[1]
		var lastSeq int64
		_, m, _ := (client{t, s.base, frTok}).do("GET", "/api/v1/inbox?limit=500", nil)
		for _, e := range m["events"].([]any) {
			if e.(map[string]any)["id"] == second.ID {
				lastSeq = int64(e.(map[string]any)["seq"].(float64))
			}
		}
		re := openStream(t, s.base, frTok, strconv.FormatInt(lastSeq, 10))
		re.expect(t, first[2], more[0], missed[0], missed[1])
		live := emit(t, s.App, "ncb-fr", notify.DiffusionWithdrawn)
		re.expect(t, live...)
		last := emit(t, s.App, "ncb-fr", notify.DiffusionAcked)
		re.expect(t, last...) // nothing was sent twice in between

		// A bad Last-Event-ID is refused with a precise message.
		req, _ := http.NewRequest("GET", s.base+"/api/v1/inbox/stream", nil)
		req.Header.Set("Authorization", "Bearer "+frTok)
		req.Header.Set("Last-Event-ID", "abc")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 422 {
			t.Fatalf("bad Last-Event-ID: %d", resp.StatusCode)
		}
		// Without a token: 401.
		resp, err = http.Get(s.base + "/api/v1/inbox/stream")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Fatalf("anonymous stream: %d", resp.StatusCode)
		}
	})
}

// TestInboxStreamOutOfOrderCommits: on PostgreSQL a later seq can commit
// first; the stream still delivers in seq order and loses nothing.
func TestInboxStreamOutOfOrderCommits(t *testing.T) {
	s := serveApp(t, notifyConfig(t, "postgres", storetest.PostgresURL(t), t.TempDir()), func(o *notify.Options) { o.GapWait = 2 * time.Second })
	frTok, _ := officers(t, s.App)
	st := openStream(t, s.base, frTok, "")
	ctx := context.Background()
	early := notify.Event{ID: "evt_early", Org: "ncb-fr", Type: notify.NoticePublished, Subject: "notice:a", Title: "early", Time: time.Now().UTC()}
	late := notify.Event{ID: "evt_late", Org: "ncb-fr", Type: notify.NoticePublished, Subject: "notice:b", Title: "late", Time: time.Now().UTC()}
	tx, err := s.DB.SQL.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := sqldb.InsertEvents(ctx, tx, []notify.Event{early}); err != nil { // takes the lower seq, commits last
		t.Fatal(err)
	}
	if err := s.DB.Tx(ctx, func(tx *sql.Tx) error { return sqldb.InsertEvents(ctx, tx, []notify.Event{late}) }); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	st.expect(t, early, late)

	// A rolled-back transaction leaves a gap for good: the events above it
	// come once the gap wait is over.
	tx, err = s.DB.SQL.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := sqldb.InsertEvents(ctx, tx, []notify.Event{{ID: "evt_gone", Org: "ncb-fr", Type: notify.NoticePublished, Subject: "notice:c", Title: "gone", Time: time.Now().UTC()}}); err != nil {
		t.Fatal(err)
	}
	after := emit(t, s.App, "ncb-fr", notify.NoticeRefused)
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	st.expect(t, after...)
}

// TestInboxStreamAcrossProcesses: an event committed by one process reaches
// a client connected to another process on the same PostgreSQL database.
func TestInboxStreamAcrossProcesses(t *testing.T) {
	url, keyDir := storetest.PostgresURL(t), t.TempDir()
	a := serveApp(t, notifyConfig(t, "postgres", url, keyDir), nil)
	b := serveApp(t, notifyConfig(t, "postgres", url, keyDir), nil)
	frTok, _ := officers(t, a.App)
	onB := openStream(t, b.base, frTok, "")
	onA := openStream(t, a.base, frTok, "")
	evs := emit(t, a.App, "ncb-fr", notify.NoticePublished, notify.DiffusionReceived)
	onB.expect(t, evs...)
	onA.expect(t, evs...)
	evs = emit(t, b.App, "ncb-fr", notify.NoticeRefused)
	onA.expect(t, evs...)
	onB.expect(t, evs...)
}

// TestShutdownEndsStreams: stopping the server ends its open streams at
// once instead of waiting for the shutdown grace period.
func TestShutdownEndsStreams(t *testing.T) {
	eachServed(t, func(t *testing.T, s *served) {
		frTok, _ := officers(t, s.App)
		st := openStream(t, s.base, frTok, "")
		emit(t, s.App, "ncb-fr", notify.NoticePublished)
		st.next(t)
		start := time.Now()
		s.stop(t)
		select {
		case <-st.ended:
		case <-time.After(wait):
			t.Fatal("stream still open after shutdown")
		}
		if d := time.Since(start); d >= 30*time.Second {
			t.Fatalf("shutdown waited for the grace period: %s", d)
		}
	})
}

// receiver is a webhook endpoint that verifies signatures.
type receiver struct {
	t      testing.TB
	srv    *httptest.Server
	secret atomic.Value // string
	fail   atomic.Int32 // answer 500 to this many more requests
	mu     sync.Mutex
	got    []notify.Event
	calls  atomic.Int32
	ok     chan notify.Event
}

func newReceiver(t testing.TB) *receiver {
	r := &receiver{t: t, ok: make(chan notify.Event, 100)}
	r.secret.Store("")
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.calls.Add(1)
		body, _ := io.ReadAll(req.Body)
		if err := notify.Verify(r.secret.Load().(string), req.Header.Get(notify.HeaderSignature), body, time.Now(), 5*time.Minute); err != nil {
			t.Errorf("signature: %v", err)
			w.WriteHeader(400)
			return
		}
		var e notify.Event
		if err := json.Unmarshal(body, &e); err != nil || e.ID != req.Header.Get(notify.HeaderEventID) || e.Type != req.Header.Get(notify.HeaderEventType) {
			t.Errorf("body %s headers %v: %v", body, req.Header, err)
		}
		if r.fail.Add(-1) >= 0 {
			w.WriteHeader(500)
			return
		}
		r.mu.Lock()
		r.got = append(r.got, e)
		r.mu.Unlock()
		r.ok <- e
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) next(t testing.TB) notify.Event {
	t.Helper()
	select {
	case e := <-r.ok:
		return e
	case <-time.After(wait):
		t.Fatal("no delivery came")
	}
	return notify.Event{}
}

// deliveries waits until the webhook's log has n rows and returns them,
// oldest first.
func deliveries(t testing.TB, c client, hook string, n int) []map[string]any {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		st, m, _ := c.do("GET", "/api/v1/webhooks/"+hook+"/deliveries", nil)
		if st != 200 {
			t.Fatalf("deliveries: %d %v", st, m)
		}
		ds := m["deliveries"].([]any)
		if len(ds) >= n {
			out := make([]map[string]any, len(ds))
			for i, d := range ds {
				out[len(ds)-1-i] = d.(map[string]any)
			}
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("deliveries: %d rows, want %d", len(ds), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestWebhooks: an NCB administrator registers webhooks; events are POSTed
// signed, retried after a 500 until delivered, given up after the maximum
// attempts, each attempt in the delivery log; filters and permissions hold.
func TestWebhooks(t *testing.T) {
	eachServed(t, func(t *testing.T, s *served) {
		adminTok, _ := user(t, s.App, "fr.admin", "ncb-fr", []identity.Role{identity.NCBAdmin}, "read", "admin")
		keAdminTok, _ := user(t, s.App, "ke.admin", "ncb-ke", []identity.Role{identity.NCBAdmin}, "read", "admin")
		offTok, _ := user(t, s.App, "fr.officer", "ncb-fr", []identity.Role{identity.Officer}, "read", "admin")
		fr, ke, off := client{t, s.base, adminTok}, client{t, s.base, keAdminTok}, client{t, s.base, offTok}

		rcv := newReceiver(t)
		st, m, _ := fr.do("POST", "/api/v1/webhooks", map[string]any{"url": rcv.srv.URL + "/hook"})
		if st != 201 || !strings.HasPrefix(m["secret"].(string), "whsec_") {
			t.Fatalf("create webhook: %d %v", st, m)
		}
		rcv.secret.Store(m["secret"].(string))
		hook := m["webhook"].(map[string]any)["id"].(string)
		if _, ok := m["webhook"].(map[string]any)["secret"]; ok {
			t.Fatal("secret inside the webhook view")
		}

		// Retried after a 500, then delivered.
		rcv.fail.Store(1)
		ev := emit(t, s.App, "ncb-fr", notify.NoticePublished)[0]
		if got := rcv.next(t); got.ID != ev.ID || got.Title != ev.Title || string(got.Data) != string(ev.Data) {
			t.Fatalf("delivered %+v, want %+v", got, ev)
		}
		ds := deliveries(t, fr, hook, 2)
		if ds[0]["outcome"] != "retry" || ds[0]["status_code"] != float64(500) || ds[0]["attempt"] != float64(1) || ds[0]["error"] == "" ||
			ds[1]["outcome"] != "ok" || ds[1]["status_code"] != float64(200) || ds[1]["attempt"] != float64(2) || ds[1]["event"] != ev.ID {
			t.Fatalf("delivery log: %v", ds)
		}

		// Given up after MaxAttempts (3) failures.
		rcv.fail.Store(3)
		ev2 := emit(t, s.App, "ncb-fr", notify.NoticeRefused)[0]
		ds = deliveries(t, fr, hook, 5)
		if len(ds) != 5 || ds[2]["event"] != ev2.ID || ds[4]["outcome"] != "failed" || ds[4]["attempt"] != float64(3) || ds[3]["outcome"] != "retry" {
			t.Fatalf("delivery log after failures: %v", ds)
		}

		// A filtered webhook gets only its types; other organisations' events go nowhere.
		rcv.fail.Store(0)
		rcv2 := newReceiver(t)
		st, m, _ = fr.do("POST", "/api/v1/webhooks", map[string]any{"url": rcv2.srv.URL, "types": []string{notify.DiffusionReceived}})
		if st != 201 {
			t.Fatalf("create filtered webhook: %d %v", st, m)
		}
		rcv2.secret.Store(m["secret"].(string))
		emit(t, s.App, "ncb-fr", notify.NoticeCancelled)
		emit(t, s.App, "ncb-ke", notify.DiffusionReceived)
		want := emit(t, s.App, "ncb-fr", notify.DiffusionReceived)[0]
		if got := rcv2.next(t); got.ID != want.ID {
			t.Fatalf("filtered webhook got %s (%s), want %s", got.ID, got.Type, want.ID)
		}
		for range 2 {
			if got := rcv.next(t); got.Org != "ncb-fr" {
				t.Fatalf("unfiltered webhook got %v", got)
			}
		}

		// Permissions and bad input.
		st, m, h := off.do("POST", "/api/v1/webhooks", map[string]any{"url": rcv.srv.URL})
		wantProblem(t, st, m, h, 404, "not_found")
		st, m, h = ke.do("POST", "/api/v1/webhooks", map[string]any{"org": "ncb-fr", "url": rcv.srv.URL})
		wantProblem(t, st, m, h, 404, "not_found")
		st, m, h = ke.do("GET", "/api/v1/webhooks/"+hook+"/deliveries", nil)
		wantProblem(t, st, m, h, 404, "not_found")
		st, m, h = ke.do("DELETE", "/api/v1/webhooks/"+hook, nil)
		wantProblem(t, st, m, h, 404, "not_found")
		for _, c := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"url": "http://example.org/hook"}, "url"},
			{map[string]any{"url": "ftp://example.org/hook"}, "url"},
			{map[string]any{"url": "https://example.org/hook", "types": []string{"notice.published", "bogus"}}, "types[1]"},
		} {
			st, m, h = fr.do("POST", "/api/v1/webhooks", c.body)
			wantProblem(t, st, m, h, 422, "invalid")
			if !strings.Contains(fmt.Sprint(m), c.field) {
				t.Fatalf("%v: problem does not name %s: %v", c.body, c.field, m)
			}
		}
		st, m, _ = fr.do("GET", "/api/v1/webhooks", nil)
		if st != 200 || len(m["webhooks"].([]any)) != 2 {
			t.Fatalf("list webhooks: %d %v", st, m)
		}
		if st, _, _ = fr.do("DELETE", "/api/v1/webhooks/"+hook, nil); st != 204 {
			t.Fatalf("delete: %d", st)
		}
		if _, m, _ = fr.do("GET", "/api/v1/webhooks", nil); len(m["webhooks"].([]any)) != 1 {
			t.Fatalf("after delete: %v", m)
		}
	})
}

// TestWebhookDeliveriesSurviveRestart: a delivery pending when the process
// stops is made by the next process on the same database.
func TestWebhookDeliveriesSurviveRestart(t *testing.T) {
	for _, e := range []string{"sqlite", "postgres"} {
		t.Run(e, func(t *testing.T) {
			url := ""
			if e == "postgres" {
				url = storetest.PostgresURL(t)
			}
			dir := t.TempDir()
			slow := func(o *notify.Options) { o.RetryBase, o.RetryMax, o.MaxAttempts = 2*time.Second, 2*time.Second, 5 }
			s1 := serveApp(t, notifyConfig(t, e, url, dir), slow)
			tok, _ := user(t, s1.App, "fr.admin", "ncb-fr", []identity.Role{identity.NCBAdmin}, "read", "admin")
			rcv := newReceiver(t)
			_, m, _ := (client{t, s1.base, tok}).do("POST", "/api/v1/webhooks", map[string]any{"url": rcv.srv.URL})
			rcv.secret.Store(m["secret"].(string))
			hook := m["webhook"].(map[string]any)["id"].(string)
			rcv.fail.Store(1)
			ev := emit(t, s1.App, "ncb-fr", notify.NoticePublished)[0]
			deliveries(t, client{t, s1.base, tok}, hook, 1) // the first attempt failed; the retry is pending
			s1.stop(t)

			s2 := serveApp(t, notifyConfig(t, e, url, dir), slow)
			if got := rcv.next(t); got.ID != ev.ID {
				t.Fatalf("after restart got %s, want %s", got.ID, ev.ID)
			}
			ds := deliveries(t, client{t, s2.base, tok}, hook, 2)
			if ds[1]["outcome"] != "ok" || ds[1]["attempt"] != float64(2) || len(ds) != 2 {
				t.Fatalf("delivery log: %v", ds)
			}
		})
	}
}

// benchToken returns a read token of an FR officer.
func benchToken(tb testing.TB, s *served) string {
	tb.Helper()
	sys := app.System("bench")
	ctx := context.Background()
	c, err := s.Admin.CreateUser(ctx, sys, admin.NewUser{Username: "fr.officer", DisplayName: "FR", Org: "ncb-fr",
		Roles: []identity.Role{identity.Officer}, Clearance: identity.Official, Password: "a-long-enough-password"})
	if err != nil {
		tb.Fatal(err)
	}
	tok, _, err := s.Admin.IssueToken(ctx, sys, c.User.ID, "bench", []string{"read"}, time.Hour)
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

// TestWebhooksTwoProcesses: with two processes on one PostgreSQL database,
// each event is delivered once — neither lost nor dispatched twice.
func TestWebhooksTwoProcesses(t *testing.T) {
	url, keyDir := storetest.PostgresURL(t), t.TempDir()
	a := serveApp(t, notifyConfig(t, "postgres", url, keyDir), nil)
	b := serveApp(t, notifyConfig(t, "postgres", url, keyDir), nil)
	tok, _ := user(t, a.App, "fr.admin", "ncb-fr", []identity.Role{identity.NCBAdmin}, "read", "admin")
	rcv := newReceiver(t)
	_, m, _ := (client{t, a.base, tok}).do("POST", "/api/v1/webhooks", map[string]any{"url": rcv.srv.URL})
	rcv.secret.Store(m["secret"].(string))
	want := map[string]bool{}
	for i := range 20 {
		w := a
		if i%2 == 1 {
			w = b
		}
		for _, e := range emit(t, w.App, "ncb-fr", notify.NoticePublished, notify.DiffusionReceived) {
			want[e.ID] = true
		}
	}
	got := map[string]int{}
	for range want {
		got[rcv.next(t).ID]++
	}
	for id := range want {
		if got[id] != 1 {
			t.Fatalf("event %s delivered %d times", id, got[id])
		}
	}
	// Let both processes run a while longer: nothing more may arrive.
	emit(t, a.App, "ncb-fr", notify.NoticeRefused)
	if e := rcv.next(t); e.Type != notify.NoticeRefused || rcv.calls.Load() != 41 {
		t.Fatalf("extra deliveries: last %v, %d calls for 41 events", e, rcv.calls.Load())
	}
}
