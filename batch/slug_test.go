package batch

import (
	"strings"
	"testing"
)

func TestSlug(t *testing.T) {
	tests := []struct{ in, want string }{
		{"José Müller-Łukasiewicz", "jose-muller-lukasiewicz"},
		{"Zoë O'Brien", "zoe-o-brien"},
		{"Nguyễn Thị Minh Khai", "nguyen-thi-minh-khai"},
		{"Søren Kierkegaard", "soren-kierkegaard"},
		{"Straße", "strasse"},
		{"Æsa Œuvre", "aesa-oeuvre"},
		{"Đorđe Þórsson", "dorde-thorsson"},
		{"François-Xavier Çelik", "francois-xavier-celik"},
		{"Ｆｕｌｌ Ｗｉｄｔｈ", "full-width"},
		{"王小明", ""},
		{"محمد", ""},
		{"Андрей", ""},
		{"李 Wei", "wei"},
		{"../../etc/passwd", "etc-passwd"},
		{`..\..\windows\system32`, "windows-system32"},
		{"/absolute/path", "absolute-path"},
		{".hidden", "hidden"},
		{"  --Mary   Ann--  ", "mary-ann"},
		{"a\x00b\nc", "a-b-c"},
		{"R2-D2 & C-3PO", "r2-d2-c-3po"},
		{"", ""},
		{"---", ""},
		{"Maximiliana-Alexandra Vandenberghe-Featherstonehaugh", "maximiliana-alexandra-vandenberghe-feath"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := Slug(tt.in)
			if got != tt.want {
				t.Errorf("Slug(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if len(got) > MaxSlugBytes {
				t.Errorf("Slug(%q) is %d bytes", tt.in, len(got))
			}
		})
	}
}

func TestSlugIsSafe(t *testing.T) {
	inputs := []string{
		strings.Repeat("é", 100), strings.Repeat("ß", 30) + "x", strings.Repeat("a ", 50),
		"x" + strings.Repeat("-", 60) + "y", "\xff\xfe bad utf8", "ǅemal Ǆ",
	}
	for _, in := range inputs {
		s := Slug(in)
		if len(s) > MaxSlugBytes {
			t.Errorf("Slug(%q) = %q: %d bytes", in, s, len(s))
		}
		if strings.HasPrefix(s, "-") || strings.HasSuffix(s, "-") || strings.Contains(s, "--") {
			t.Errorf("Slug(%q) = %q: stray separator", in, s)
		}
		for _, r := range s {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				t.Errorf("Slug(%q) = %q: character %q", in, s, r)
			}
		}
	}
}

func TestPieceName(t *testing.T) {
	tests := []struct {
		row, width   int
		display, ext string
		want         string
	}{
		{1, 4, "José Müller", "png", "0001-jose-muller.png"},
		{1, 0, "José Müller", ".png", "0001-jose-muller.png"},
		{42, 3, "Zoë O'Brien", "jpg", "0042-zoe-o-brien.jpg"},
		{7, 6, "", "png", "000007.png"},
		{7, 4, "王小明", "png", "0007.png"},
		{123456, 4, "Ann", "png", "123456-ann.png"},
		{3, 4, "../../etc/passwd", "png", "0003-etc-passwd.png"},
		{3, 4, "Ann", "", "0003-ann"},
	}
	for _, tt := range tests {
		if got := PieceName(tt.row, tt.width, tt.display, tt.ext); got != tt.want {
			t.Errorf("PieceName(%d, %d, %q, %q) = %q, want %q", tt.row, tt.width, tt.display, tt.ext, got, tt.want)
		}
	}
}
