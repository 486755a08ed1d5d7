package main

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	texttemplate "text/template"
)

// Mail is one message to one user, with a plain text and an HTML body.
type Mail struct {
	Template string // which template made it, e.g. "welcome"
	UserID   string
	To       string
	Subject  string
	Text     string
	HTML     string
}

//go:embed templates
var templateFiles embed.FS

var (
	textTemplates = texttemplate.Must(texttemplate.ParseFS(templateFiles, "templates/*.txt.tmpl"))
	htmlTemplates = htmltemplate.Must(htmltemplate.ParseFS(templateFiles, "templates/*.html.tmpl"))
)

// render fills the template pair name.txt.tmpl and name.html.tmpl with
// data; the HTML one escapes what it inserts.
func render(name, userID, to, subject string, data any) (Mail, error) {
	var text, html bytes.Buffer
	if err := textTemplates.ExecuteTemplate(&text, name+".txt.tmpl", data); err != nil {
		return Mail{}, fmt.Errorf("render %s text: %w", name, err)
	}
	if err := htmlTemplates.ExecuteTemplate(&html, name+".html.tmpl", data); err != nil {
		return Mail{}, fmt.Errorf("render %s html: %w", name, err)
	}
	return Mail{Template: name, UserID: userID, To: to, Subject: subject, Text: text.String(), HTML: html.String()}, nil
}
