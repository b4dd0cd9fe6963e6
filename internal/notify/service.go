package notify

// Service reads inboxes, streams events live and delivers webhooks.
type Service struct{}
