package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/riverqueue/river"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/notify"
)

// DeliverArgs is one webhook delivery job: event to webhook.
type DeliverArgs struct {
	Event   string `json:"event"`
	Webhook string `json:"webhook"`
}

// Kind names the job kind in River.
func (DeliverArgs) Kind() string { return "polex_webhook_delivery" }

type deliverWorker struct {
	river.WorkerDefaults[DeliverArgs]
	store  notify.Store
	opts   notify.Options
	client *http.Client
}

func newDeliverWorker(store notify.Store, opts notify.Options) *deliverWorker {
	return &deliverWorker{store: store, opts: opts, client: &http.Client{
		Timeout:       opts.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Timeout bounds one attempt, a little beyond the HTTP timeout.
func (w *deliverWorker) Timeout(*river.Job[DeliverArgs]) time.Duration {
	return w.opts.Timeout + 5*time.Second
}

// NextRetry doubles RetryBase at every attempt, up to RetryMax, with ±25 %
// jitter so that a receiver coming back is not hit by every retry at once.
func (w *deliverWorker) NextRetry(job *river.Job[DeliverArgs]) time.Time {
	return time.Now().Add(Backoff(w.opts.RetryBase, w.opts.RetryMax, job.Attempt))
}

// Backoff returns the delay after failed attempt n (1-based).
func Backoff(base, max time.Duration, n int) time.Duration {
	d := base
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	d = min(d, max)
	return d - d/4 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// Work posts the event to the webhook and records the attempt in the
// delivery log. A deleted webhook or event ends the job quietly.
func (w *deliverWorker) Work(ctx context.Context, job *river.Job[DeliverArgs]) error {
	hook, err := w.store.Webhook(ctx, job.Args.Webhook)
	if errs.Is(errs.NotFound, err) {
		return nil
	}
	if err != nil {
		return err
	}
	ev, err := w.store.Event(ctx, job.Args.Event)
	if errs.Is(errs.NotFound, err) {
		return nil
	}
	if err != nil {
		return err
	}
	ev.ReadAt = time.Time{}
	body, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	d := notify.Delivery{Webhook: hook.ID, Org: hook.Org, Event: ev.ID, EventType: ev.Type, Attempt: job.Attempt, At: time.Now().UTC()}
	start := time.Now()
	d.StatusCode, err = w.post(ctx, hook, ev, body)
	d.Duration = time.Since(start)
	switch {
	case err == nil:
		d.Outcome = notify.DeliveryOK
	case job.Attempt >= job.MaxAttempts:
		d.Outcome, d.Error = notify.DeliveryFailed, err.Error()
	default:
		d.Outcome, d.Error = notify.DeliveryRetry, err.Error()
	}
	if lerr := w.store.AddDelivery(context.WithoutCancel(ctx), d); lerr != nil && err == nil {
		// Delivered but not logged: deliver again rather than lose the log.
		return lerr
	}
	return err
}

func (w *deliverWorker) post(ctx context.Context, hook notify.Webhook, ev notify.Event, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Polex-Webhook/1")
	req.Header.Set(notify.HeaderSignature, notify.Sign(hook.Secret, time.Now(), body))
	req.Header.Set(notify.HeaderEventID, ev.ID)
	req.Header.Set(notify.HeaderEventType, ev.Type)
	resp, err := w.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("receiver answered %s", resp.Status)
	}
	return resp.StatusCode, nil
}
