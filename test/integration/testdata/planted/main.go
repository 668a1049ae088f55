// Command planted is a deliberately vulnerable program for the evidence consumer tests: it
// calls golang.org/x/text/language.Parse from x/text v0.3.5, which GO-2021-0113 (fixed in
// v0.3.7) affects. Test only: it never enters an image the builder makes.
package main

import (
	"fmt"
	"os"

	"golang.org/x/text/language"
)

func main() {
	for _, a := range os.Args[1:] {
		t, err := language.Parse(a)
		fmt.Println(t, err)
	}
}
