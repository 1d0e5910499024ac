# The portrait job image: Flink 2.2 on Java 17 with the job jar in usrlib and Flink's Prometheus
# reporter enabled as a plugin. Build after `mvn -B package`:
#   docker build -t portrait:0.1.0 .
FROM flink:2.2.1-java17
RUN mkdir -p /opt/flink/plugins/metrics-prometheus \
 && cp /opt/flink/opt/flink-metrics-prometheus-*.jar /opt/flink/plugins/metrics-prometheus/
COPY target/portrait-job.jar /opt/flink/usrlib/portrait-job.jar
