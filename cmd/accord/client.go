package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/client"
)

// clientFlags are the flags every client command shares.
type clientFlags struct {
	server, token string
	json          bool
}

func newClientFlags(name string, stderr io.Writer) (*flag.FlagSet, *clientFlags) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &clientFlags{}
	fs.StringVar(&c.server, "server", env("ACCORD_SERVER", "http://127.0.0.1:8080"), "node URL (env ACCORD_SERVER)")
	fs.StringVar(&c.token, "token", env("ACCORD_TOKEN", ""), "API token (env ACCORD_TOKEN)")
	fs.BoolVar(&c.json, "json", false, "print JSON instead of a table")
	return fs, c
}

func (c *clientFlags) client() *client.Client { return client.New(c.server, c.token) }

// parseArgs parses flags that may come before or after positional arguments
// ("accord get sys_x --json" works as well as "accord get --json sys_x").
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 2*time.Minute)
}

// fail prints an error, naming fields and how to fix them, and returns exit code 1.
func fail(stderr io.Writer, cmd string, err error) int {
	var ce *client.Error
	if errors.As(err, &ce) {
		fmt.Fprintf(stderr, "accord %s: %s\n", cmd, ce.Detail)
		for _, f := range ce.Fields {
			fmt.Fprintf(stderr, "  field %s: %s\n", f.Field, f.Message)
		}
		switch ce.Status {
		case 401:
			fmt.Fprintln(stderr, "  hint: pass your organization's token with --token or ACCORD_TOKEN")
		case 412:
			fmt.Fprintln(stderr, "  hint: run 'accord get' again and re-apply your change to the current version")
		}
		return 1
	}
	var ae *accord.Error
	if errors.As(err, &ae) {
		fmt.Fprintf(stderr, "accord %s: %s\n", cmd, ae.Message)
		for _, f := range ae.Fields {
			fmt.Fprintf(stderr, "  field %s: %s\n", f.Field, f.Message)
		}
		return 1
	}
	fmt.Fprintf(stderr, "accord %s: %v\n", cmd, err)
	return 1
}

func usageErr(stderr io.Writer, cmd, msg string) int {
	fmt.Fprintf(stderr, "accord %s: %s\n", cmd, msg)
	return 2
}

func printJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

func table(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 2, 4, 2, ' ', 0) }

// readFiling reads a filing from a JSON or YAML file ("-" for stdin),
// refusing unknown fields as the API does.
func readFiling(path string) (accord.Filing, error) {
	var f accord.Filing
	err := readStrict(path, &f, "filing")
	return f, err
}

// readStrict decodes a JSON or YAML file ("-" for stdin) into v with JSON
// field names, naming any unknown field with its line (see decodeDoc).
func readStrict(path string, v any, what string) error {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(io.LimitReader(os.Stdin, maxFilingBytes+1))
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return err
	}
	return decodeDoc(path, data, v, what)
}
