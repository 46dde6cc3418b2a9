package io.duckbridge.server.cli;

import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.json.JsonMapper;

/** {@code backup create|list|validate ID|restore ID|prune}. */
@Command(
        name = "backup",
        mixinStandardHelpOptions = true,
        description = "Create, list, validate, restore and prune backups.",
        subcommands = {
            BackupCommand.Create.class,
            BackupCommand.ListBackups.class,
            BackupCommand.Validate.class,
            BackupCommand.Restore.class
        })
public final class BackupCommand implements Runnable {
    @Override
    public void run() {
        System.err.println("usage: backup create|list|validate ID|restore ID|prune (see backup --help)");
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Take a consistent backup now.")
    static final class Create extends JobCommands {
        @Override
        int run(PrintStream out) {
            if (!server.remote()) {
                throw offlineUnsupported("backup create");
            }
            try (ServerClient client = server.client()) {
                return followAndPrint(client, client.post("/api/v1/backups", null), out);
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List backups, newest first.")
    static final class ListBackups extends JobCommands {
        @Override
        int run(PrintStream out) {
            if (!server.remote()) {
                throw offlineUnsupported("backup list");
            }
            try (ServerClient client = server.client()) {
                out.println(JsonMapper.shared()
                        .writerWithDefaultPrettyPrinter()
                        .writeValueAsString(client.get("/api/v1/backups")));
                return 0;
            }
        }
    }

    @Command(
            name = "validate",
            mixinStandardHelpOptions = true,
            description = "Check a backup's checksums and contents.")
    static final class Validate extends JobCommands {
        @Parameters(paramLabel = "ID")
        String id;

        @Override
        int run(PrintStream out) {
            if (!server.remote()) {
                throw offlineUnsupported("backup validate");
            }
            try (ServerClient client = server.client()) {
                var result = client.post(
                        "/api/v1/backups/" + URLEncoder.encode(id, StandardCharsets.UTF_8) + "/validate", null);
                out.println(JsonMapper.shared().writerWithDefaultPrettyPrinter().writeValueAsString(result));
                return result.path("valid").asBoolean(false) ? 0 : 2;
            }
        }
    }

    @Command(name = "restore", mixinStandardHelpOptions = true, description = "Restore a backup.")
    static final class Restore extends JobCommands {
        @Parameters(paramLabel = "ID")
        String id;

        @Override
        int run(PrintStream out) {
            if (!server.remote()) {
                throw offlineUnsupported("backup restore");
            }
            try (ServerClient client = server.client()) {
                return followAndPrint(
                        client,
                        client.post(
                                "/api/v1/backups/" + URLEncoder.encode(id, StandardCharsets.UTF_8) + "/restore", null),
                        out);
            }
        }
    }
}
