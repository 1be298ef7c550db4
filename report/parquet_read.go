package report

import (
	"context"
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// ReadParquet reads a whole Parquet file into an Arrow table, allocating
// from mem. It is meant for tests and small files. The caller must release
// the returned table.
func ReadParquet(mem memory.Allocator, r parquet.ReaderAtSeeker) (arrow.Table, error) {
	pf, err := file.NewParquetReader(r, file.WithReadProps(parquet.NewReaderProperties(mem)))
	if err != nil {
		return nil, fmt.Errorf("read parquet: %w", err)
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, mem)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("read parquet: %w", err), pf.Close())
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		return nil, errors.Join(fmt.Errorf("read parquet: %w", err), pf.Close())
	}
	if err := pf.Close(); err != nil {
		tbl.Release()
		return nil, fmt.Errorf("read parquet: %w", err)
	}
	return tbl, nil
}
