package io.portrait.cli;

import io.portrait.PortraitJob;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code portrait job}: the entry point on a real Flink cluster. */
@Command(
        name = "job",
        mixinStandardHelpOptions = true,
        description = {
            "Run the portrait Flink job on the cluster that submitted it (flink run, the Kubernetes"
                    + " operator). State backend, checkpoints and restarts come from the cluster's"
                    + " config.yaml."
        })
public final class JobCommand implements Callable<Integer> {

    @Mixin ConfigOptionsMixin settings;

    @Override
    public Integer call() throws Exception {
        PortraitJob.run(settings.toConfig(Map.of()));
        return 0;
    }
}
