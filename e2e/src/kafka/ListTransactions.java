import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TransactionListing;

/**
 * Test oracle: lists the transactional ids the cluster's coordinators know (every state, until
 * `transactional.id.expiration.ms`) with Kafka's own Admin client, those starting with a prefix.
 * Prints `<transactional id> <state>` per id. Run with
 * `java -cp '<kafka lib>/*' ListTransactions.java <bootstrap> <prefix>` (Java 11+ source launch).
 */
public class ListTransactions {
  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    props.put("bootstrap.servers", args[0]);
    try (Admin admin = Admin.create(props)) {
      for (TransactionListing listing : admin.listTransactions().all().get()) {
        if (listing.transactionalId().startsWith(args[1])) {
          System.out.println(listing.transactionalId() + " " + listing.state());
        }
      }
    }
  }
}
