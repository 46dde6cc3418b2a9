package io.duckbridge.server;

import io.duckbridge.server.cli.BackupCommand;
import io.duckbridge.server.cli.ExportCommand;
import io.duckbridge.server.cli.ImportCommand;
import io.duckbridge.server.cli.QueryCommand;
import io.duckbridge.server.cli.SyncCommand;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.SpringApplication;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of {@code duckbridge-server.jar}: {@code serve} (the default) starts the service; the other
 * subcommands work on the database file directly, or through a running server with {@code --url}.
 */
@Command(
        name = "duckbridge",
        mixinStandardHelpOptions = true,
        versionProvider = DuckbridgeServer.Version.class,
        description = "PostgreSQL to DuckDB analytics companion.",
        subcommands = {
            DuckbridgeServer.Serve.class,
            QueryCommand.class,
            SyncCommand.class,
            ExportCommand.class,
            ImportCommand.class,
            BackupCommand.class
        })
public final class DuckbridgeServer implements Runnable {
    private static final List<String> SUBCOMMANDS =
            List.of("serve", "query", "sync", "export", "import", "backup", "help", "-h", "--help", "-V", "--version");

    public static void main(String[] args) {
        if (args.length == 0 || !SUBCOMMANDS.contains(args[0])) {
            String unknown = unknownCommand(args);
            if (unknown != null) {
                System.err.println(unknown);
                System.exit(CommandLine.ExitCode.USAGE);
            }
            // no subcommand: serve, passing every argument (e.g. --server.port=9090) to Spring Boot
            serve(args);
            return;
        }
        int exit = new CommandLine(new DuckbridgeServer()).execute(args);
        // a started service keeps running on its own threads; anything else ends here with its exit code
        if (!"serve".equals(args[0]) || exit != CommandLine.ExitCode.OK) {
            System.exit(exit);
        }
    }

    /**
     * The error for arguments that name no subcommand but are not all Spring Boot options either: serving
     * ignores a bare word, so a mistyped subcommand ({@code querry "SELECT 1"}) would start the whole service
     * (and in demo mode generate its data) instead of saying what is wrong. Null when {@code args} are options.
     */
    static String unknownCommand(String[] args) {
        for (String arg : args) {
            if (!arg.startsWith("--")) {
                return "error: unknown command or argument \"" + arg + "\"; commands: serve, query, sync, export,"
                        + " import, backup (see --help); options for serve are Spring Boot properties such as"
                        + " --server.port=9090";
            }
        }
        return null;
    }

    static void serve(String[] springArgs) {
        SpringApplication.run(DuckbridgeApplication.class, springArgs);
    }

    @Override
    public void run() {
        serve(new String[0]);
    }

    /** {@code serve [--spring.property=value ...]}: starts the HTTP service. */
    @Command(name = "serve", description = "Start the HTTP service (the default).")
    static final class Serve implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        /** Spring Boot options ({@code --server.port=9090}); picocli adds to this list, so it is mutable. */
        @CommandLine.Unmatched
        List<String> springArgs = new ArrayList<>();

        @Override
        public void run() {
            String[] args = springArgs.toArray(String[]::new);
            String unknown = unknownCommand(args);
            if (unknown != null) {
                throw new CommandLine.ParameterException(spec.commandLine(), unknown);
            }
            serve(args);
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = DuckbridgeServer.class.getPackage().getImplementationVersion();
            return new String[] {"duckbridge " + (v == null ? "development build" : v)};
        }
    }
}
