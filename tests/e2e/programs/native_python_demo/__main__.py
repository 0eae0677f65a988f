"""Uses the generated `pulumi_demo` SDK (put on PYTHONPATH by the test), not a dynamic provider."""

import pulumi
import pulumi_demo

thing = pulumi_demo.Thing("first", label="from python")
pulumi.export("label", thing.label)
pulumi.export("serial", thing.serial)
