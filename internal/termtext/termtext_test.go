package termtext

import "testing"

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain ünïcode 日本 \\x1b", "plain ünïcode 日本 \\x1b"},
		{"a\nb\tc\r", `a\nb\tc\r`},
		{"\x1b[31mred\x07", `\x1b[31mred\x07`},
		{"\x00\x7f", `\x00\x7f`},
		{"\u0085\u009b2J", `\u0085\u009b2J`},
		{"abc\u202edef\u2066\u200f", `abc\u202edef\u2066\u200f`},
	}
	for _, tt := range tests {
		if got := Escape(tt.in); got != tt.want {
			t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
