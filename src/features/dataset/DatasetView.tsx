import { DropZone } from './DropZone';
import { IssuesPanel } from './IssuesPanel';
import { LabelMappingPanel } from './LabelMappingPanel';
import { PairingReview } from './PairingReview';
import { SplitPanel } from './SplitPanel';
import { SummaryPanel } from './SummaryPanel';

export function DatasetView() {
  return (
    <div className="dataset-view">
      <div className="dataset-main">
        <DropZone />
        <IssuesPanel />
        <PairingReview />
      </div>
      <div className="dataset-side">
        <SummaryPanel />
        <LabelMappingPanel />
        <SplitPanel />
      </div>
    </div>
  );
}
