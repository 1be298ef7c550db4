// Command check prints, for make test, one line when the real-dataset
// tests were skipped because the shared sample data is not there.
package main

import (
	"fmt"

	"github.com/keyaudit/keyaudit/internal/datasets"
)

func main() {
	if msg := datasets.Missing(); msg != "" {
		fmt.Println(msg)
	}
}
