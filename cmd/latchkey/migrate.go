package main

import (
	"context"
	"flag"
	"fmt"
)

func migrate(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	var c commonFlags
	c.register(fs, false)
	if err := parseFlags(fs, args, e.stderr); err != nil {
		return helpIsSuccess(err)
	}
	s, err := resolve(c, e)
	if err != nil {
		return err
	}
	target, err := parseDatabase(s.database)
	if err != nil {
		return usageError{err}
	}
	db, err := openDatabase(ctx, target, false)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "applied %d migration(s) to %s\n", n, redactDatabase(target))
	return nil
}
