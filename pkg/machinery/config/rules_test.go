package config

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// addCall matches a line that calls validator.add or addSecret, whose last string literal is
// the message (or its format); literal finds the string literals of the line.
var (
	addCall = regexp.MustCompile(`(?m)^.*v\.add(?:Secret)?\(.*$`)
	literal = regexp.MustCompile(`"([^"\n]*)"`)
)

// verb matches a fmt verb.
var verb = regexp.MustCompile(`%[sqdv]`)

// TestEveryRuleHasACase reads the validation sources and requires that every constant
// message (or format) Validate can produce is expected by at least one case of TestValidateRules, so a
// new rule cannot land without a test.
func TestEveryRuleHasACase(t *testing.T) {
	var wants []string
	for _, tc := range allCases() {
		wants = append(wants, tc.want...)
	}
	all := strings.Join(wants, "\n")
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range addCall.FindAllString(string(src), -1) {
			lits := literal.FindAllStringSubmatch(line, -1)
			if len(lits) == 0 {
				continue // v.add(path, value, message) itself
			}
			msg := lits[len(lits)-1][1]
			n++
			// A format string matches with each verb standing for anything.
			re := regexp.MustCompile(verb.ReplaceAllString(regexp.QuoteMeta(msg), ".+"))
			if !re.MatchString(all) {
				t.Errorf("%s: no TestValidateRules case expects %q", f, msg)
			}
		}
	}
	if n < 40 {
		t.Errorf("found only %d rules in the sources", n)
	}
}
