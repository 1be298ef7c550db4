package report

import (
	"github.com/apache/arrow-go/v18/arrow"
)

// Writer writes a stream of records that all share one schema.
//
// Write does not take ownership of rec: the caller releases it after Write
// returns. Close flushes what is buffered and writes any footer; it never
// closes the io.Writer the Writer was created with.
type Writer interface {
	Write(rec arrow.Record) error
	Close() error
}
