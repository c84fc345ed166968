{{/* Chart name, or nameOverride. */}}
{{- define "link-extractor.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-qualified name (at most 63 characters), as `helm create` makes it. */}}
{{- define "link-extractor.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Name of a run (the Pod, the Job, the IndexedJob's ConfigMap): the fullname plus the
release revision. A Pod's containers and a Job's pod template cannot be changed once
created, so every `helm upgrade` creates a new run under a new name and Helm deletes the
previous revision's objects. At most 63 characters (Job names become label values).
*/}}
{{- define "link-extractor.runName" -}}
{{- $suffix := printf "-r%d" (int .Release.Revision) }}
{{- $base := include "link-extractor.fullname" . | trunc (int (sub 63 (len $suffix))) | trimSuffix "-" }}
{{- printf "%s%s" $base $suffix }}
{{- end }}

{{/* CronJob name: at most 52 characters, since its Jobs get an 11-character suffix. */}}
{{- define "link-extractor.cronJobName" -}}
{{- include "link-extractor.fullname" . | trunc 52 | trimSuffix "-" }}
{{- end }}

{{/* Chart label value. */}}
{{- define "link-extractor.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object and pod. */}}
{{- define "link-extractor.labels" -}}
helm.sh/chart: {{ include "link-extractor.chart" . }}
{{ include "link-extractor.selectorLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Labels that identify this release's pods. */}}
{{- define "link-extractor.selectorLabels" -}}
app.kubernetes.io/name: {{ include "link-extractor.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The image reference: repository:tag, or repository@digest when a digest is set. */}}
{{- define "link-extractor.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
{{- end }}

{{/* Where the IndexedJob's URL list is mounted. */}}
{{- define "link-extractor.urlsDir" -}}
/etc/link-extractor
{{- end }}

{{/* Whether the values ask for a crawl: crawl.depth above 0 or crawl.sitemap. */}}
{{- define "link-extractor.crawling" -}}
{{- if or (gt (int64 .Values.crawl.depth) 0) .Values.crawl.sitemap }}true{{ end }}
{{- end }}

{{/*
The crawl options, one argument per line, in the order `link-extractor --help` lists
them; nothing unless crawling. Numbers through int64 and printf, so that a large
maxPages is written 1000000, not 1e+06.
*/}}
{{- define "link-extractor.crawlArgs" -}}
{{- if include "link-extractor.crawling" . }}
{{- with .Values.crawl }}
{{- if gt (int64 .depth) 0 }}
- --depth
- {{ printf "%d" (int64 .depth) | quote }}
{{- end }}
{{- if .sitemap }}
- --sitemap
{{- end }}
{{- if not (kindIs "invalid" .scope) }}
- --scope
- {{ .scope | quote }}
{{- end }}
{{- range .include }}
- --include
- {{ . | quote }}
{{- end }}
{{- range .exclude }}
- --exclude
- {{ . | quote }}
{{- end }}
{{- if not (kindIs "invalid" .maxPages) }}
- --max-pages
- {{ printf "%d" (int64 .maxPages) | quote }}
{{- end }}
{{- if not (kindIs "invalid" .perHost) }}
- --per-host
- {{ printf "%d" (int64 .perHost) | quote }}
{{- end }}
{{- if not (kindIs "invalid" .delay) }}
- --delay
- {{ .delay | quote }}
{{- end }}
{{- if .ignoreRobots }}
- --ignore-robots
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/* The container's arguments: output format, the URLs (or the list and the shard), the crawl options, extra args. */}}
{{- define "link-extractor.args" -}}
- -o
- {{ .Values.output | quote }}
{{- if eq .Values.workload.kind "IndexedJob" }}
- -i
- {{ printf "%s/urls.txt" (include "link-extractor.urlsDir" .) | quote }}
- --shard
- {{ printf "auto/%d" (int .Values.workload.indexedJob.completions) | quote }}
{{- else }}
{{- range .Values.urls }}
- -u
- {{ . | quote }}
{{- end }}
{{- end }}
{{- include "link-extractor.crawlArgs" . }}
{{- range .Values.args }}
- {{ . | quote }}
{{- end }}
{{- end }}

{{/* The pod template's metadata. */}}
{{- define "link-extractor.podMetadata" -}}
labels:
  {{- include "link-extractor.labels" . | nindent 2 }}
  {{- with .Values.podLabels }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- with .Values.podAnnotations }}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* The pod spec every workload kind runs. */}}
{{- define "link-extractor.podSpec" -}}
restartPolicy: Never
automountServiceAccountToken: {{ .Values.automountServiceAccountToken }}
enableServiceLinks: false
{{- with .Values.serviceAccountName }}
serviceAccountName: {{ . | quote }}
{{- end }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
containers:
  - name: link-extractor
    image: {{ include "link-extractor.image" . | quote }}
    imagePullPolicy: {{ .Values.image.pullPolicy }}
    args:
      {{- include "link-extractor.args" . | nindent 6 }}
    {{- with .Values.env }}
    env:
      {{- toYaml . | nindent 6 }}
    {{- end }}
    # On failure the end of the log (the failed pages) becomes the termination message.
    terminationMessagePolicy: FallbackToLogsOnError
    securityContext:
      {{- toYaml .Values.securityContext | nindent 6 }}
    resources:
      {{- toYaml .Values.resources | nindent 6 }}
    {{- if eq .Values.workload.kind "IndexedJob" }}
    volumeMounts:
      - name: urls
        mountPath: {{ include "link-extractor.urlsDir" . }}
        readOnly: true
    {{- end }}
{{- if eq .Values.workload.kind "IndexedJob" }}
volumes:
  - name: urls
    configMap:
      name: {{ include "link-extractor.runName" . }}
      defaultMode: 0444
{{- end }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/*
A Job's spec, less the pod template: Job, IndexedJob and the CronJob's jobTemplate. An
IndexedJob with backoffLimitPerIndex leaves backoffLimit out: Kubernetes then defaults
it to the maximum, so that only the limit per shard counts.
*/}}
{{- define "link-extractor.jobSpec" -}}
{{- $job := .Values.workload.job -}}
{{- $perIndex := and (eq .Values.workload.kind "IndexedJob") (not (kindIs "invalid" .Values.workload.indexedJob.backoffLimitPerIndex)) -}}
{{- if not $perIndex }}
backoffLimit: {{ $job.backoffLimit }}
{{- end }}
{{- if not (kindIs "invalid" $job.activeDeadlineSeconds) }}
activeDeadlineSeconds: {{ $job.activeDeadlineSeconds }}
{{- end }}
{{- if not (kindIs "invalid" $job.ttlSecondsAfterFinished) }}
ttlSecondsAfterFinished: {{ $job.ttlSecondsAfterFinished }}
{{- end }}
# Exit code 2 is a usage error: a retry cannot fix it. An evicted pod is not a failed run.
# (The empty onPodConditions and the explicit status are required by Kubernetes < 1.29
# and < 1.35 respectively.)
podFailurePolicy:
  rules:
    - action: FailJob
      onExitCodes:
        containerName: link-extractor
        operator: In
        values: [2]
      onPodConditions: []
    - action: Ignore
      onPodConditions:
        - type: DisruptionTarget
          status: "True"
{{- end }}

{{/* Fail early on values that would render a workload that cannot work. */}}
{{- define "link-extractor.validate" -}}
{{- if and (not .Values.urls) (not .Values.args) }}
{{- fail "set urls (a list of http(s) URLs) or pass the URLs in args" }}
{{- end }}
{{- if eq .Values.workload.kind "IndexedJob" }}
{{- if not .Values.urls }}
{{- fail "workload.kind IndexedJob reads its URLs from the urls value: set urls" }}
{{- end }}
{{- end }}
{{- if not (include "link-extractor.crawling" .) }}
{{- $crawl := .Values.crawl }}
{{- range $key := list "scope" "maxPages" "perHost" "delay" "include" "exclude" "ignoreRobots" }}
{{- $value := index $crawl $key }}
{{- if and (not (kindIs "invalid" $value)) (or (not (kindIs "bool" $value)) $value) (or (not (kindIs "slice" $value)) $value) }}
{{- fail (printf "crawl.%s applies when crawling: set crawl.depth above 0 or crawl.sitemap to true (link-extractor refuses it otherwise)" $key) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
