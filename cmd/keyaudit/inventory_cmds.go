package main

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/spf13/cobra"

	"github.com/keyaudit/keyaudit/analyze"
	"github.com/keyaudit/keyaudit/analyze/inventory"
	"github.com/keyaudit/keyaudit/analyze/sessions"
	"github.com/keyaudit/keyaudit/facts"
	"github.com/keyaudit/keyaudit/ingest"
	"github.com/keyaudit/keyaudit/report"
)

type listOptions struct {
	in   inputFlags
	out  outputFlags
	asOf string
	cfg  analyze.Config
}

func newKeysCmd(e *env) *cobra.Command {
	o := &listOptions{}
	c := &cobra.Command{
		Use:   "keys [flags] PATH...",
		Short: "List every long-term access key (AKIA) with its owner, slot and history",
		Long: `keys joins credential reports (which know slots but not key IDs) with CloudTrail
(which knows key IDs but not slots): one row per long-term key, with its owner,
slot (resolved from evidence, or "unknown"), status, creation and use. Every
existing slot of the reports is listed, with access_key_id empty when no key of
the logs is tied to it; key IDs of credentials files are listed too. source says
where each key is known from: credential-report, cloudtrail, credentials-file.
age_days and unused_days count whole days from created and last_used to --as-of
(empty for a date after it, which the note names).

Slot resolution (resolved_by), in order: create_date (a CreateAccessKey whose createDate
equals a slot's last_rotated), single_slot (one slot, one live key), elimination (the other
slot, one key left), last_used (the report's last-used minute, region and service match the
key's last call). Anything less certain stays "unknown"; see README.

` + tableHelp(keysTable),
		Example: `  keyaudit keys reports/ AWSLogs/
  keyaudit keys --as-of 2026-11-01 -f csv -o keys.csv reports/ AWSLogs/`,
		RunE: func(c *cobra.Command, args []string) error {
			asOf, err := parseAsOf(o.asOf)
			if err != nil {
				return err
			}
			keys := func(ki *inventory.Inventory, mem memory.Allocator) arrow.Record { return ki.KeyRecord(mem, asOf) }
			return writeInventory(c, e, o, args, keys, keysTable)
		},
	}
	o.in.register(c)
	o.in.fx.register(c)
	o.out.register(c, "table")
	registerAsOf(c, &o.asOf)
	return c
}

func newRotationCmd(e *env) *cobra.Command {
	o := &listOptions{cfg: analyze.DefaultConfig(timeZero())}
	c := &cobra.Command{
		Use:   "rotation [flags] PATH...",
		Short: "Show how far each two-key rotation has got, and the next step",
		Long: `rotation follows AWS's documented rotation procedure (create the second key, move
applications, check the old key is no longer used, deactivate it, delete it) for every
user holding two keys: which key is newer, whether the old key is still used since the
new one was created, by which source IPs and user agents, and the next step.
both_active_days counts whole days from the newer key's creation to --as-of.

` + tableHelp(rotationTable),
		Example: `  keyaudit rotation --as-of 2026-11-01 reports/ AWSLogs/
  keyaudit rotation --max-rotation 14 -f csv -o rotation.csv reports/ AWSLogs/`,
		RunE: func(c *cobra.Command, args []string) error {
			asOf, err := parseAsOf(o.asOf)
			if err != nil {
				return err
			}
			o.cfg.AsOf = asOf
			rotations := func(ki *inventory.Inventory, mem memory.Allocator) arrow.Record { return ki.RotationRecord(mem, o.cfg) }
			return writeInventory(c, e, o, args, rotations, rotationTable)
		},
	}
	o.in.register(c)
	o.in.fx.register(c)
	o.out.register(c, "table")
	registerAsOf(c, &o.asOf)
	c.Flags().Var(daysValue{&o.cfg.MaxRotation}, "max-rotation", "a rotation is stalled when both keys stay active longer than this many days")
	return c
}

func newSessionsCmd(e *env) *cobra.Command {
	o := &listOptions{}
	c := &cobra.Command{
		Use:   "sessions [flags] PATH...",
		Short: "Attribute every temporary key (ASIA) to the principal behind it",
		Long: `sessions follows STS events from every temporary access key (ASIA) that CloudTrail
shows issued or used back to the long-term principal behind it, through role chains
and across accounts. root_kind is one of iam_user, root, saml, web_identity,
aws_service, console or unattributed (used, but issued before the logs begin).
age_days and unused_days count whole days from issued_at and last_seen to --as-of.

` + tableHelp(sessionsTable),
		Example: `  keyaudit sessions AWSLogs/
  keyaudit sessions --as-of 2026-11-01 -f csv -o sessions.csv AWSLogs/`,
		RunE: func(c *cobra.Command, args []string) error {
			asOf, err := parseAsOf(o.asOf)
			if err != nil {
				return err
			}
			if err := o.out.check(e); err != nil {
				return err
			}
			if err := o.in.protect(args, o.out.output); err != nil {
				return err
			}
			mem := memory.DefaultAllocator
			sb := sessions.New()
			if _, err := readFacts(c.Context(), e, &o.in, mem, args, sessions.Columns(), []facts.ViewSink{sb}); err != nil {
				return err
			}
			sr := sb.Finish()
			rec := sessions.SessionsRecord(mem, sr.Sessions, asOf)
			defer rec.Release()
			return writeOutput(e, &o.out, o.in.guard, rec.Schema(), []arrow.Record{rec}, sessionsTable)
		},
	}
	o.in.register(c)
	o.in.fx.register(c)
	o.out.register(c, "table")
	registerAsOf(c, &o.asOf)
	return c
}

// finishInventory completes the key inventory with what the run read: the
// credential reports and the key IDs of credentials files.
func finishInventory(inv *inventory.Builder, res *ingest.Result) *inventory.Inventory {
	inv.AddCredentialsFileKeys(res.KeyIDs)
	return inv.Finish(res.Reports)
}

// writeInventory reads the inputs into a key inventory and writes the
// record that build makes of it.
func writeInventory(c *cobra.Command, e *env, o *listOptions, paths []string,
	build func(*inventory.Inventory, memory.Allocator) arrow.Record, opts report.Options) error {
	if err := o.out.check(e); err != nil {
		return err
	}
	if err := o.in.protect(paths, o.out.output); err != nil {
		return err
	}
	mem := memory.DefaultAllocator
	inv := inventory.New()
	res, err := readFacts(c.Context(), e, &o.in, mem, paths, inventory.BuilderColumns(), []facts.ViewSink{inv})
	if err != nil {
		return err
	}
	rec := build(finishInventory(inv, res), mem)
	defer rec.Release()
	return writeOutput(e, &o.out, o.in.guard, rec.Schema(), []arrow.Record{rec}, opts)
}
