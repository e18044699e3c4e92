package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/alecthomas/kong"
)

// A configuration file (--config parley.json) is one JSON object whose
// keys are flag names with "_" for "-": {"addr": ":8080", "data_dir":
// "/var/lib/parley", "trusted_proxies": ["127.0.0.1"]}. A key sets its flag
// in every command that has it. The command line and the environment
// override the file; a key that names no flag is an error (a typo would
// otherwise go unnoticed). JSON rather than TOML or YAML: kong reads it
// without another dependency.

// loadConfig is the kong.ConfigurationLoader of --config.
func loadConfig(r io.Reader) (kong.Resolver, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(b, &keys); err != nil {
		return nil, fmt.Errorf("not a JSON object of settings: %w", err)
	}
	res, err := kong.JSON(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return configResolver{keys: keys, json: res}, nil
}

type configResolver struct {
	keys map[string]json.RawMessage
	json kong.Resolver
}

// Validate refuses keys that name no flag of any command.
func (c configResolver) Validate(app *kong.Application) error {
	known := map[string]bool{}
	_ = kong.Visit(app.Node, func(n kong.Visitable, next kong.Next) error {
		if f, ok := n.(*kong.Flag); ok {
			known[strings.ReplaceAll(f.Name, "-", "_")] = true
		}
		return next(nil)
	})
	var unknown []string
	for k := range c.keys {
		if !known[k] && k != "config" && k != "help" && k != "version" {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Errorf("--config: no flag is named %s (keys are flag names with _ for -)", strings.Join(unknown, ", "))
	}
	return nil
}

// Resolve gives a flag the file's value unless its environment variable
// is set: the environment overrides the file, as the command line does.
func (c configResolver) Resolve(ctx *kong.Context, parent *kong.Path, flag *kong.Flag) (any, error) {
	if slices.ContainsFunc(flag.Tag.Envs, func(e string) bool { _, ok := os.LookupEnv(e); return ok }) {
		return nil, nil
	}
	return c.json.Resolve(ctx, parent, flag)
}
