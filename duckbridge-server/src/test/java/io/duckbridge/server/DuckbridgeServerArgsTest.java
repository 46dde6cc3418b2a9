package io.duckbridge.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DuckbridgeServerArgsTest {
    @Test
    void springOptionsServeAndABareWordIsAnError() {
        assertThat(DuckbridgeServer.unknownCommand(new String[0])).isNull();
        assertThat(DuckbridgeServer.unknownCommand(new String[] {"--server.port=9090", "--debug"}))
                .isNull();
        assertThat(DuckbridgeServer.unknownCommand(new String[] {"querry", "SELECT 1"}))
                .startsWith("error: unknown command or argument \"querry\"");
        assertThat(DuckbridgeServer.unknownCommand(new String[] {"--server.port=9090", "-p"}))
                .contains("\"-p\"");
    }
}
