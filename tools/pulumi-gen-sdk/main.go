// Command pulumi-gen-sdk writes a Pulumi package's SDK for one language from its schema, offline, with the code
// generators of the pkg/v3 module the CLI is built from.
//
// `pulumi package gen-sdk` asks the language host for the code (its GeneratePackage RPC), and the Python, Node.js
// and Go hosts that can be built here predate that RPC; this calls the same generators in-process instead.
//
//	pulumi-gen-sdk -language python|nodejs|go -schema schema.json -out sdk/<language>
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/blang/semver"

	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

const tool = "pulumi-gen-sdk"

func main() {
	language := flag.String("language", "", "python, nodejs or go")
	schemaPath := flag.String("schema", "", "the package schema (JSON)")
	out := flag.String("out", "", "directory to write the SDK into")
	flag.Parse()
	if *schemaPath == "" || *out == "" {
		fail(fmt.Errorf("-language, -schema and -out are required"))
	}
	raw, err := os.ReadFile(*schemaPath)
	if err != nil {
		fail(err)
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		fail(fmt.Errorf("%s: %w", *schemaPath, err))
	}
	pkg, diags, err := schema.BindSpec(spec, noOtherPackages{}, schema.ValidationOptions{})
	if err != nil {
		fail(err)
	}
	if diags.HasErrors() {
		fail(diags)
	}
	var files map[string][]byte
	switch *language {
	case "python":
		files, err = python.GeneratePackage(tool, pkg, nil, noOtherPackages{})
	case "nodejs":
		files, err = nodejs.GeneratePackage(tool, pkg, nil, nil, false, noOtherPackages{})
	case "go":
		files, err = gogen.GeneratePackage(tool, pkg, nil)
	default:
		err = fmt.Errorf("unknown -language %q (python, nodejs or go)", *language)
	}
	if err != nil {
		fail(err)
	}
	for name, content := range files {
		path := filepath.Join(*out, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			fail(err)
		}
		if err := os.WriteFile(path, content, 0o644); err != nil {
			fail(err)
		}
	}
	fmt.Printf("wrote %d files to %s\n", len(files), *out)
}

// noOtherPackages is the schema loader: the packages this is for reference no other package's types, and loading
// one would mean starting its plugin, so a reference is an error rather than a download attempt.
type noOtherPackages struct{}

func (noOtherPackages) LoadPackage(name string, _ *semver.Version) (*schema.Package, error) {
	return nil, fmt.Errorf("the schema references package %q: %s loads no other packages", name, tool)
}

func (l noOtherPackages) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return l.LoadPackage(d.Name, nil)
}

func (l noOtherPackages) LoadPackageReference(name string, _ *semver.Version) (schema.PackageReference, error) {
	return nil, fmt.Errorf("the schema references package %q: %s loads no other packages", name, tool)
}

func (l noOtherPackages) LoadPackageReferenceV2(
	_ context.Context, d *schema.PackageDescriptor,
) (schema.PackageReference, error) {
	return l.LoadPackageReference(d.Name, nil)
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "%s: %v\n", tool, err)
	os.Exit(1)
}
