package notify

import (
	"bytes"
	"fmt"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/fabricpress/fabricpress/batch"
)

// Email is a composed notification email: its subject and the two
// alternatives of its body.
type Email struct {
	Subject string
	Text    string // the text/plain part
	HTML    string // the text/html part, styled with inline CSS
}

// MaxEmailFailures is how many failed recipients an email lists (a
// Report carries at most batch.MaxReportFailures).
const MaxEmailFailures = 10

// ComposeEmail renders the email about one job notification (event, and
// the Report that is its payload). appURL is the public URL of the app
// (APP_URL): the download link is appURL + "/api/v1/jobs/{id}/download";
// without appURL the message has no link. Everything taken from the job
// (its name, error messages) is escaped in the HTML part and stripped of
// control characters in both.
func ComposeEmail(event string, rep batch.Report, appURL string) (Email, error) {
	d := newEmailData(event, rep, appURL)
	var h bytes.Buffer
	if err := htmlTemplate.Execute(&h, d); err != nil {
		return Email{}, err
	}
	return Email{Subject: d.Subject, Text: d.text(), HTML: h.String()}, nil
}

// emailKind is what an email says about its job.
type emailKind int

const (
	kindReady emailKind = iota
	kindReadyWithErrors
	kindFailed
	kindCancelled
	kindProgress
)

type fileLink struct{ Name, URL string }

type failureLine struct {
	Row, Line   int
	Name, Error string
}

// emailData feeds both parts.
type emailData struct {
	Kind                     emailKind
	Subject, Headline, Intro string
	JobID, Name              string
	Total, Done, Failed      int
	Duration, Finished       string
	Error                    string
	AppURL                   string // trimmed, "" without APP_URL
	Download                 string // the ZIP (or the job's download)
	Extra                    []fileLink
	Failures                 []failureLine
	More                     int // failures not listed
}

func newEmailData(event string, rep batch.Report, appURL string) *emailData {
	d := &emailData{JobID: oneLine(rep.JobID, 64), Name: oneLine(rep.Name, 200), Total: rep.Total, Done: rep.Done,
		Failed: rep.Failed, Error: oneLine(rep.Error, 500), AppURL: strings.TrimRight(strings.TrimSpace(appURL), "/")}
	title := d.Name
	if title == "" {
		title = "Job " + d.JobID
	}
	q := strconv.Quote(title)
	if d.Name == "" {
		q = title
	}
	switch {
	case event == batch.EventJobProgress:
		d.Kind = kindProgress
	case rep.State == batch.JobFailed || (rep.State == "" && event == batch.EventJobFailed):
		d.Kind = kindFailed
	case rep.State == batch.JobCancelled || (rep.State == "" && event == batch.EventJobCancelled):
		d.Kind = kindCancelled
	case rep.Failed > 0 || rep.State == batch.JobCompletedWithErrors:
		d.Kind = kindReadyWithErrors
	default:
		d.Kind = kindReady
	}
	switch d.Kind {
	case kindReady:
		d.Subject = fmt.Sprintf("%s is ready: %s", q, pieces(rep.Done))
		d.Headline = "Your batch is ready"
		d.Intro = fmt.Sprintf("%s finished: all %s rendered.", q, pieces(rep.Total))
	case kindReadyWithErrors:
		d.Subject = fmt.Sprintf("%s finished with errors: %d done, %d failed", q, rep.Done, rep.Failed)
		d.Headline = "Your batch finished with errors"
		d.Intro = fmt.Sprintf("%s finished: %d of %s rendered, %d failed. The ZIP's manifest lists every failure.", q, rep.Done, pieces(rep.Total), rep.Failed)
	case kindFailed:
		d.Subject = fmt.Sprintf("%s failed", q)
		d.Headline = "Your batch failed"
		d.Intro = fmt.Sprintf("%s stopped with an error after %d of %s were rendered.", q, rep.Done, pieces(rep.Total))
	case kindCancelled:
		d.Subject = fmt.Sprintf("%s was cancelled: %d of %d done", q, rep.Done, rep.Total)
		d.Headline = "Your batch was cancelled"
		d.Intro = fmt.Sprintf("%s was cancelled after %d of %s were rendered; the pieces done are kept.", q, rep.Done, pieces(rep.Total))
	case kindProgress:
		d.Subject = fmt.Sprintf("%s: %d of %d done", q, rep.Done+rep.Failed, rep.Total)
		d.Headline = "Your batch is running"
		d.Intro = fmt.Sprintf("%s: %d of %s done so far, %d failed.", q, rep.Done, pieces(rep.Total), rep.Failed)
	}
	d.Subject = "[fabricpress] " + d.Subject
	if rep.Duration > 0 {
		d.Duration = humanDuration(time.Duration(rep.Duration * float64(time.Second)))
	} else if !rep.StartedAt.IsZero() && rep.FinishedAt.After(rep.StartedAt) {
		d.Duration = humanDuration(rep.FinishedAt.Sub(rep.StartedAt))
	}
	if !rep.FinishedAt.IsZero() && d.Kind != kindProgress {
		d.Finished = rep.FinishedAt.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	if d.AppURL != "" && d.Kind != kindProgress && (len(rep.Files) > 0 || d.Kind == kindReady || d.Kind == kindReadyWithErrors) {
		base := d.AppURL + "/api/v1/jobs/" + url.PathEscape(rep.JobID) + "/download"
		d.Download = base
		for _, f := range rep.Files {
			if strings.HasSuffix(strings.ToLower(f), ".zip") {
				continue // the ZIP is the plain download
			}
			d.Extra = append(d.Extra, fileLink{Name: oneLine(f, 200), URL: base + "?file=" + url.QueryEscape(f)})
		}
	}
	for i, f := range rep.Failures {
		if i == MaxEmailFailures {
			break
		}
		d.Failures = append(d.Failures, failureLine{Row: f.Row, Line: f.Line, Name: oneLine(f.Name, 100), Error: oneLine(f.Error, 300)})
	}
	if d.More = rep.Failed - len(d.Failures); d.More < 0 {
		d.More = 0
	}
	return d
}

func pieces(n int) string {
	if n == 1 {
		return "1 piece"
	}
	return strconv.Itoa(n) + " pieces"
}

// humanDuration writes d for people: "0.4 s", "42 s", "3 min 07 s",
// "2 h 05 min".
func humanDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return ""
	case d < time.Second:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Round(time.Second)/time.Second))
	case d < time.Hour:
		s := int(d.Round(time.Second) / time.Second)
		return fmt.Sprintf("%d min %02d s", s/60, s%60)
	}
	m := int(d.Round(time.Minute) / time.Minute)
	return fmt.Sprintf("%d h %02d min", m/60, m%60)
}

// oneLine replaces control characters (line breaks included) with spaces,
// collapses runs of spaces and cuts s to max runes.
func oneLine(s string, max int) string {
	var b strings.Builder
	space := false
	n := 0
	for _, r := range s {
		if unicode.IsControl(r) || unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if n >= max {
			b.WriteString("…")
			break
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// text is the text/plain part.
func (d *emailData) text() string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("%s\n\n%s\n\n", d.Headline, d.Intro)
	if d.Name != "" {
		p("  Job:       %s (%s)\n", d.Name, d.JobID)
	} else {
		p("  Job:       %s\n", d.JobID)
	}
	p("  Done:      %d of %d\n", d.Done, d.Total)
	p("  Failed:    %d\n", d.Failed)
	if d.Duration != "" {
		p("  Duration:  %s\n", d.Duration)
	}
	if d.Finished != "" {
		p("  Finished:  %s\n", d.Finished)
	}
	if d.Error != "" {
		p("\nReason: %s\n", d.Error)
	}
	if d.Download != "" {
		p("\nDownload the ZIP:\n%s\n", d.Download)
		for _, f := range d.Extra {
			p("%s:\n%s\n", f.Name, f.URL)
		}
	}
	if len(d.Failures) > 0 {
		p("\nFirst failures (%d of %d):\n", len(d.Failures), d.Failed)
		for _, f := range d.Failures {
			p("  - row %d", f.Row)
			if f.Line > 0 {
				p(", CSV line %d", f.Line)
			}
			if f.Name != "" {
				p(" (%s)", f.Name)
			}
			p(": %s\n", f.Error)
		}
		if d.More > 0 {
			p("  … and %d more, listed in the ZIP's manifest.\n", d.More)
		}
	}
	p("\n-- \nSent by fabricpress about job %s.", d.JobID)
	if d.AppURL != "" {
		p("\n%s/", d.AppURL)
	}
	p("\n")
	return b.String()
}

// htmlTemplate is the text/html part: a single 600 px table with inline
// styles only (no <style> block, no images, no scripts), which is what
// Gmail, Outlook and Apple Mail all render alike.
var htmlTemplate = template.Must(template.New("email").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Subject}}</title>
</head>
<body style="margin:0;padding:0;background-color:#f3f4f6;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#f3f4f6;">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="width:100%;max-width:600px;background-color:#ffffff;border:1px solid #e5e7eb;border-radius:8px;font-family:Arial,Helvetica,sans-serif;color:#111827;">
<tr><td style="padding:20px 28px;border-radius:8px 8px 0 0;color:#ffffff;font-size:20px;font-weight:bold;background-color:{{if eq .Kind 0}}#15803d{{else if eq .Kind 1}}#b45309{{else if eq .Kind 2}}#b91c1c{{else}}#4b5563{{end}};">{{.Headline}}</td></tr>
<tr><td style="padding:24px 28px 8px 28px;font-size:15px;line-height:22px;">{{.Intro}}</td></tr>
<tr><td style="padding:8px 28px;">
<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="width:100%;font-size:14px;line-height:20px;border-collapse:collapse;">
<tr><td style="padding:6px 0;color:#6b7280;width:110px;border-bottom:1px solid #f3f4f6;">Job</td><td style="padding:6px 0;border-bottom:1px solid #f3f4f6;">{{if .Name}}<strong>{{.Name}}</strong> <span style="color:#6b7280;">({{.JobID}})</span>{{else}}{{.JobID}}{{end}}</td></tr>
<tr><td style="padding:6px 0;color:#6b7280;border-bottom:1px solid #f3f4f6;">Done</td><td style="padding:6px 0;border-bottom:1px solid #f3f4f6;">{{.Done}} of {{.Total}}</td></tr>
<tr><td style="padding:6px 0;color:#6b7280;border-bottom:1px solid #f3f4f6;">Failed</td><td style="padding:6px 0;border-bottom:1px solid #f3f4f6;{{if .Failed}}color:#b91c1c;font-weight:bold;{{end}}">{{.Failed}}</td></tr>
{{- if .Duration}}
<tr><td style="padding:6px 0;color:#6b7280;border-bottom:1px solid #f3f4f6;">Duration</td><td style="padding:6px 0;border-bottom:1px solid #f3f4f6;">{{.Duration}}</td></tr>
{{- end}}
{{- if .Finished}}
<tr><td style="padding:6px 0;color:#6b7280;">Finished</td><td style="padding:6px 0;">{{.Finished}}</td></tr>
{{- end}}
</table>
</td></tr>
{{- if .Error}}
<tr><td style="padding:12px 28px;">
<div style="padding:12px 14px;background-color:#fef2f2;border-left:4px solid #b91c1c;font-size:14px;line-height:20px;color:#7f1d1d;"><strong>Reason:</strong> {{.Error}}</div>
</td></tr>
{{- end}}
{{- if .Download}}
<tr><td style="padding:16px 28px;">
<a href="{{.Download}}" style="display:inline-block;padding:12px 22px;background-color:#1d4ed8;color:#ffffff;text-decoration:none;font-weight:bold;font-size:15px;border-radius:6px;">Download the ZIP</a>
{{- range .Extra}}
<div style="padding-top:10px;font-size:13px;"><a href="{{.URL}}" style="color:#1d4ed8;">{{.Name}}</a></div>
{{- end}}
<div style="padding-top:10px;font-size:12px;color:#6b7280;word-break:break-all;">{{.Download}}</div>
</td></tr>
{{- end}}
{{- if .Failures}}
<tr><td style="padding:12px 28px;">
<div style="font-size:15px;font-weight:bold;padding-bottom:8px;">First failures ({{len .Failures}} of {{.Failed}})</div>
<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="width:100%;font-size:13px;line-height:18px;border-collapse:collapse;">
<tr><th align="left" style="padding:6px 8px;background-color:#f9fafb;border-bottom:1px solid #e5e7eb;">Row</th><th align="left" style="padding:6px 8px;background-color:#f9fafb;border-bottom:1px solid #e5e7eb;">CSV line</th><th align="left" style="padding:6px 8px;background-color:#f9fafb;border-bottom:1px solid #e5e7eb;">Recipient</th><th align="left" style="padding:6px 8px;background-color:#f9fafb;border-bottom:1px solid #e5e7eb;">Error</th></tr>
{{- range .Failures}}
<tr><td style="padding:6px 8px;border-bottom:1px solid #f3f4f6;">{{.Row}}</td><td style="padding:6px 8px;border-bottom:1px solid #f3f4f6;">{{if .Line}}{{.Line}}{{end}}</td><td style="padding:6px 8px;border-bottom:1px solid #f3f4f6;">{{.Name}}</td><td style="padding:6px 8px;border-bottom:1px solid #f3f4f6;color:#b91c1c;">{{.Error}}</td></tr>
{{- end}}
</table>
{{- if .More}}
<div style="padding-top:8px;font-size:13px;color:#6b7280;">… and {{.More}} more, listed in the ZIP's manifest.</div>
{{- end}}
</td></tr>
{{- end}}
<tr><td style="padding:20px 28px;font-size:12px;line-height:18px;color:#6b7280;border-top:1px solid #e5e7eb;">Sent by fabricpress about job {{.JobID}}.{{if .AppURL}} <a href="{{.AppURL}}/" style="color:#6b7280;">{{.AppURL}}</a>{{end}}</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`))
