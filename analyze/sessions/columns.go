package sessions

import "github.com/keyaudit/keyaudit/facts"

// Columns returns the event columns that Builder.Add reads: those of the
// facts.Aggregator it feeds (facts.EventColumns), since the Builder itself
// reads only fact records. A run that feeds only a Builder may leave the
// other columns null (ingest.Options.OmitColumns with
// cloudtrail.OmitAllBut(Columns())), which saves copying them; TestColumns
// checks that the list is complete.
func Columns() []int { return facts.EventColumns() }
