package io.duckbridge.core.backup;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BackupRestorerTest {
    @Test
    void aViewDependsOnViewsNamedInItsTextAsWholeWords() {
        assertThat(BackupRestorer.mentions("CREATE VIEW a AS SELECT * FROM shop.big", "big"))
                .isTrue();
        assertThat(BackupRestorer.mentions("CREATE VIEW a AS SELECT * FROM \"Big Orders\" b", "Big Orders"))
                .isTrue();
        assertThat(BackupRestorer.mentions("CREATE VIEW a AS SELECT * FROM bigger", "big"))
                .isFalse();
        assertThat(BackupRestorer.mentions("CREATE VIEW a AS SELECT * FROM big_orders", "big"))
                .isFalse();
        assertThat(BackupRestorer.mentions("CREATE VIEW big AS SELECT 1", "orders"))
                .isFalse();
    }
}
